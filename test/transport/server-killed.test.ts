/**
 * A server process that dies in the middle of a call (SIGKILL: the socket closes with no GOAWAY
 * and no RST_STREAM) fails the call with UNAVAILABLE, as grpc-js does for a dropped connection, so
 * retry policies (runtime/retry.ts retries UNAVAILABLE) take it — not with CANCELED, which is the
 * caller's own cancellation and never retried. Only our transport (runtime/transport/) is under
 * test here; the interop server runs in a child process of its own.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { Gateway } from "../../generated/virtufin/gateway_pb.js";
import { Pubsub } from "../../generated/virtufin/pubsub_pb.js";
import { createNodeGrpcTransport, type NodeGrpcTransport } from "../../runtime/transport/node-grpc-transport.js";
import { failure } from "../support/failure.js";

const SCRIPT = new URL("./interop-server-process.ts", import.meta.url).pathname;

interface Child {
  readonly url: string;
  /** SIGKILLs the process and resolves once it has exited. */
  kill(): Promise<void>;
}

/** Starts the interop server process and resolves with its URL (rejects after 20 s). */
function startServerProcess(): Promise<Child> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", SCRIPT], { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`the server process did not start in 20 s:\n${err}`)), 20_000);
    child.stderr!.on("data", (chunk: Buffer) => (err += chunk.toString()));
    child.once("exit", (code) => reject(new Error(`the server process exited (${code}):\n${err}`)));
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const line = /^(http:\/\/127\.0\.0\.1:\d+)\n/.exec(out);
      if (!line) return;
      clearTimeout(timer);
      resolve({
        url: line[1]!,
        kill: async () => {
          child.kill("SIGKILL");
          await exited;
        },
      });
    });
  });
}

const children: ChildProcess[] = [];
const transports: NodeGrpcTransport[] = [];

afterEach(() => {
  for (const t of transports.splice(0)) t.close();
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});

describe("node-grpc transport: the server process dies mid-connection", () => {
  it("fails a unary call in flight with UNAVAILABLE, and a caller's cancel still with CANCELED", async () => {
    const server = await startServerProcess();
    const transport = createNodeGrpcTransport({ baseUrl: server.url });
    transports.push(transport);
    const client = createClient(Gateway, transport);
    // The connection is up and has served a call before the server dies.
    expect((await client.invoke({ method: "echo", service: "up" })).message).toBe("up");
    const cancelled = new AbortController();
    const cancelledCall = failure(
      client.invoke({ method: "sleep", service: "10000" }, { signal: cancelled.signal }),
      ConnectError,
    );
    const inFlight = failure(client.invoke({ method: "sleep", service: "10000" }), ConnectError);
    cancelled.abort();
    expect((await cancelledCall).code).toBe(Code.Canceled);
    // The sleeping call has reached the server (its headers are not back yet) when it dies.
    await new Promise((r) => setTimeout(r, 200));
    await server.kill();
    const error = await inFlight;
    expect(error.code, error.message).toBe(Code.Unavailable);
    // A call after that finds nothing listening: UNAVAILABLE too (connection refused).
    expect((await failure(client.invoke({ method: "echo" }), ConnectError)).code).toBe(Code.Unavailable);
  }, 30_000);

  it("fails a server stream whose response headers never came with UNAVAILABLE", async () => {
    const server = await startServerProcess();
    const transport = createNodeGrpcTransport({ baseUrl: server.url });
    transports.push(transport);
    expect((await createClient(Gateway, transport).invoke({ method: "echo", service: "up" })).message).toBe("up");
    // "silent": the handler sends nothing, not even response headers, before the server dies.
    const pending = failure(
      (async () => {
        for await (const event of createClient(Pubsub, transport).subscribe({ topic: "silent" })) return event;
      })(),
      ConnectError,
    );
    await new Promise((r) => setTimeout(r, 200));
    await server.kill();
    const error = await pending;
    expect(error.code, error.message).toBe(Code.Unavailable);
  }, 30_000);
});
