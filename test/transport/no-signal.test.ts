/**
 * Calls made without a caller signal on our transport: many in flight at once must not pile
 * listeners onto one shared signal (Node then prints MaxListenersExceededWarning, and the
 * listeners would only be released as the calls end).
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { createClient } from "@connectrpc/connect";
import { Gateway } from "../../generated/virtufin/gateway_pb.js";
import { createNodeGrpcTransport, type NodeGrpcTransport } from "../../runtime/transport/node-grpc-transport.js";
import { startInteropServer, type InteropServer } from "./interop-server.js";

let server: InteropServer;
let transport: NodeGrpcTransport;

beforeAll(async () => {
  server = await startInteropServer();
  transport = createNodeGrpcTransport({ baseUrl: server.url });
});

afterAll(async () => {
  transport.close();
  await server.close();
});

it("runs 50 calls at once without a signal and without a listener warning", async () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on("warning", onWarning);
  try {
    const gateway = createClient(Gateway, transport);
    const calls = Array.from({ length: 50 }, (_, i) => gateway.invoke({ method: "echo", service: `call-${i}` }));
    const answers = await Promise.all(calls);
    expect(answers.map((answer) => answer.message)).toEqual(Array.from({ length: 50 }, (_, i) => `call-${i}`));
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off("warning", onWarning);
  }
  expect(warnings.map((warning) => warning.name)).not.toContain("MaxListenersExceededWarning");
});
