/**
 * A gRPC server for the transport interop tests: a real `node:http2` server with Connect's Node
 * adapter, on 127.0.0.1 port 0, serving two services of our own protos with test behaviour —
 * `Gateway.Invoke` (method "echo": bytes and metadata back; "sleep": waits `service` ms, 5 s by default; "fail": a status with
 * a message and trailers) and `Pubsub.Subscribe` (topic "bulk:<n>:<size>": n messages of size
 * bytes; "silent": nothing, not even response headers, until cancelled; any other topic: one message, then open until cancelled). It records what it saw
 * (aborted handlers, messages produced) and can send GOAWAY on every open session.
 */
import * as http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { Gateway, InvokeResponseSchema } from "../../generated/virtufin/gateway_pb.js";
import { Pubsub, PubsubSubscribeResponseSchema } from "../../generated/virtufin/pubsub_pb.js";

/** A running interop server. */
export interface InteropServer {
  /** "http://127.0.0.1:<port>". */
  readonly url: string;
  /** Handlers whose signal aborted (the client cancelled or its deadline passed), by method. */
  readonly aborted: string[];
  /** Messages the bulk stream has handed to Connect so far. */
  readonly produced: { count: number };
  /** Sends GOAWAY on every open session: graceful (`session.close()`) or refusing every stream. */
  goaway(mode: "graceful" | "refuse"): void;
  /** Sessions accepted so far. */
  sessions(): number;
  /**
   * The flow-control windows the clients of the open sessions granted this server: each
   * session's SETTINGS_INITIAL_WINDOW_SIZE (per stream) and its connection window left now.
   */
  windows(): { readonly stream: number | undefined; readonly connection: number | undefined }[];
  /** Stops the server. */
  close(): Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });

/** Starts the server. Large messages (up to 8 MiB) are allowed both ways. */
export async function startInteropServer(): Promise<InteropServer> {
  const aborted: string[] = [];
  const produced = { count: 0 };
  const routes = (router: ConnectRouter): void => {
    router.service(Gateway, {
      async invoke(req, ctx) {
        ctx.signal.addEventListener("abort", () => aborted.push(`invoke:${req.method}`), { once: true });
        if (req.method === "sleep") {
          await sleep(Number(req.service) || 5_000, ctx.signal);
          return create(InvokeResponseSchema, { success: true, status: "SLEPT" });
        }
        if (req.method === "fail") {
          throw new ConnectError("the precondition failed: custom message", Code.FailedPrecondition, { "x-fail-detail": "why" });
        }
        const custom = ctx.requestHeader.get("x-custom") ?? "";
        const binary = ctx.requestHeader.get("x-custom-bin") ?? "";
        ctx.responseHeader.set("x-echo-header", custom);
        ctx.responseHeader.set("x-echo-bin", binary);
        ctx.responseTrailer.set("x-echo-trailer", `${custom}-trailer`);
        return create(InvokeResponseSchema, { success: true, status: "OK", responseData: req.requestData, message: req.service });
      },
    });
    router.service(Pubsub, {
      async *subscribe(req, ctx) {
        ctx.signal.addEventListener("abort", () => aborted.push(`subscribe:${req.topic}`), { once: true });
        const bulk = /^bulk:(\d+):(\d+)$/.exec(req.topic);
        if (bulk) {
          const size = Number(bulk[2]);
          for (let i = 0; i < Number(bulk[1]); i++) {
            const data = new Uint8Array(size).fill(i % 251);
            produced.count = i + 1;
            yield create(PubsubSubscribeResponseSchema, { topic: req.topic, data, messageId: String(i) });
          }
          return;
        }
        if (req.topic === "silent") await sleep(60_000, ctx.signal);
        yield create(PubsubSubscribeResponseSchema, { topic: req.topic, messageId: "first" });
        await sleep(60_000, ctx.signal);
      },
    });
  };
  const handler = connectNodeAdapter({ routes, readMaxBytes: 8 * 1024 * 1024, writeMaxBytes: 8 * 1024 * 1024 });
  const server = http2.createServer({}, handler);
  const open = new Set<http2.ServerHttp2Session>();
  let sessions = 0;
  server.on("session", (session) => {
    sessions++;
    open.add(session);
    session.on("close", () => open.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    aborted,
    produced,
    goaway(mode) {
      for (const session of open) {
        // Graceful: GOAWAY naming the last stream taken, in-flight streams finish. Refuse: GOAWAY
        // with last stream 0, so the client learns none of its streams was processed.
        if (mode === "graceful") session.close();
        else {
          session.goaway(http2.constants.NGHTTP2_INTERNAL_ERROR, 0);
          session.destroy();
        }
      }
    },
    sessions: () => sessions,
    windows: () =>
      [...open].map((session) => ({
        stream: session.remoteSettings.initialWindowSize,
        connection: session.state.remoteWindowSize,
      })),
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of open) session.destroy();
        server.close(() => resolve());
      }),
  };
}
