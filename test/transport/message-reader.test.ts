/**
 * The server-stream reader of our transport (runtime/transport/message-reader.ts) against the
 * interop server: a reader leaving while a read waits, and a read after the call was cancelled,
 * both settle (nothing hangs) and the server sees the stream cancelled.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { Pubsub, type PubsubSubscribeResponse } from "../../generated/virtufin/pubsub_pb.js";
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

async function until(check: () => boolean, ms = 3_000): Promise<void> {
  const stopAt = Date.now() + ms;
  while (!check()) {
    if (Date.now() > stopAt) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("node-grpc transport: server-stream reader", () => {
  it("settles a waiting read when the reader leaves, and cancels the stream", async () => {
    // "open-1": one message, then the server holds the stream open until cancelled.
    const response = await transport.stream(
      Pubsub.method.subscribe,
      undefined,
      undefined,
      undefined,
      (async function* () {
        yield { topic: "open-1" };
      })(),
    );
    const iterator = response.message[Symbol.asyncIterator]();
    expect(((await iterator.next()).value as PubsubSubscribeResponse).messageId).toBe("first");
    const waiting = iterator.next();
    await new Promise((r) => setTimeout(r, 50));
    await iterator.return!();
    expect(await waiting).toEqual({ done: true, value: undefined });
    await until(() => server.aborted.includes("subscribe:open-1"));
  });

  it("fails a first read after the call was cancelled with CANCELED, without waiting", async () => {
    const abort = new AbortController();
    const response = await transport.stream(
      Pubsub.method.subscribe,
      abort.signal,
      undefined,
      undefined,
      (async function* () {
        yield { topic: "open-2" };
      })(),
    );
    // Cancelled before anything was read: the HTTP/2 stream is gone when reading starts.
    abort.abort();
    await until(() => server.aborted.includes("subscribe:open-2"));
    const error = await response.message[Symbol.asyncIterator]()
      .next()
      .then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
    expect(error?.code).toBe(Code.Canceled);
  });
});
