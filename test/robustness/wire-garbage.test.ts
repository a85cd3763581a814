/**
 * Issue 6, item 7 (the wire): garbage below the RPC layer. Raw HTTP/2 requests with gRPC,
 * gRPC-Web and Connect content types and random or malformed bodies (through `node:http2`, on
 * every HTTP/2 server), raw HTTP/1.1 requests to the browser-facing server, and random bytes on
 * plain TCP connections to every port. Each request gets an answer within a bound,
 * each garbage connection is closed by the server, and afterwards every server still answers
 * and state saved before is intact.
 */
import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import { Code } from "@connectrpc/connect";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectServing, startRig, waitFor, type Rig } from "./helpers.js";

const SEED = 20_260_601;

/** A gRPC length-prefixed frame header: flags, then a big-endian length. */
function frame(flags: number, length: number, body: Uint8Array = new Uint8Array()): Uint8Array {
  const out = new Uint8Array(5 + body.length);
  const view = new DataView(out.buffer);
  view.setUint8(0, flags);
  view.setUint32(1, length >>> 0);
  out.set(body, 5);
  return out;
}

/** Bodies that are wrong in the ways a frame can be wrong, plus seeded random bytes. */
function garbageBodies(count: number): Uint8Array[] {
  const crafted = [
    new Uint8Array(),
    new Uint8Array([0]),
    frame(0, 0xffff_ffff), // claims 4 GiB, sends nothing
    frame(0, 5 * 1024 * 1024, new Uint8Array(16)), // claims 5 MiB, ends early
    frame(1, 3, new Uint8Array([1, 2, 3])), // compressed flag without an encoding
    frame(0x80, 0), // gRPC-Web trailer flag from a client
    frame(0, 4, new Uint8Array([0xff, 0xff, 0xff, 0xff])), // not a protobuf message
    frame(0, 2, new Uint8Array([0x0a, 0x7f])), // a field whose length runs past the end
    new TextEncoder().encode('{"service": 1, "key": [}'),
  ];
  const random = fc.sample(fc.uint8Array({ minLength: 1, maxLength: 2_048 }), {
    seed: SEED,
    numRuns: Math.max(0, count - crafted.length),
  });
  return [...crafted, ...random];
}

const PATHS = [
  "/virtufin.State/SaveState",
  "/virtufin.State/GetState",
  "/virtufin.Gateway/InvokeJson",
  "/virtufin.Pubsub/Subscribe",
  "/virtufin.Pubsub/PublishEvent",
  "/virtufin.WorkManager/CreateWorker",
  "/virtufin.WebSocketManager/Connect",
  "/grpc.health.v1.Health/Check",
  "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
  "/virtufin.Nope/Nothing",
  "/",
  "/%00%ff/../..",
];
const CONTENT_TYPES = [
  "application/grpc",
  "application/grpc+proto",
  "application/grpc-web",
  "application/connect+proto",
  "application/proto",
  "application/json",
  "text/plain",
  "",
];

/** What one raw HTTP/2 stream ended with. */
type Outcome = "grpc-status" | "http-status" | "reset" | "timeout";

/**
 * Sends one well-formed gRPC request with an empty message; resolves with its gRPC code: the
 * grpc-status, else the code gRPC clients read from the HTTP status (404 is UNIMPLEMENTED).
 */
function grpcStatusOf(session: http2.ClientHttp2Session, path: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    let status: string | undefined;
    const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers" });
    const pick = (h: http2.IncomingHttpHeaders) => {
      if (h["grpc-status"] !== undefined) status = String(h["grpc-status"]);
      else if (Number(h[":status"]) === 404) status ??= String(Code.Unimplemented);
    };
    stream.on("response", pick);
    stream.on("trailers", pick);
    stream.on("error", () => undefined);
    stream.on("data", () => undefined);
    stream.on("close", () => resolve(status));
    stream.end(frame(0, 0));
  });
}

/** Sends one request on a session and resolves with how it ended (never rejects). */
function rawRequest(
  session: http2.ClientHttp2Session,
  path: string,
  contentType: string,
  body: Uint8Array,
  timeoutMs = 5_000,
): Promise<Outcome> {
  return new Promise((resolve) => {
    let outcome: Outcome | undefined;
    const headers: http2.OutgoingHttpHeaders = { ":method": "POST", ":path": path, te: "trailers" };
    if (contentType !== "") headers["content-type"] = contentType;
    const stream = session.request(headers);
    const timer = setTimeout(() => {
      stream.close(http2.constants.NGHTTP2_CANCEL);
      resolve("timeout");
    }, timeoutMs);
    stream.on("response", (h) => {
      outcome = h["grpc-status"] !== undefined ? "grpc-status" : "http-status";
    });
    stream.on("trailers", (t: http2.IncomingHttpHeaders) => {
      if (t["grpc-status"] !== undefined) outcome = "grpc-status";
    });
    stream.on("error", () => undefined);
    stream.on("data", () => undefined);
    stream.on("close", () => {
      clearTimeout(timer);
      resolve(outcome ?? "reset");
    });
    stream.end(body);
  });
}

/** Opens a TCP connection, writes `bytes`, and resolves with whether the server closed it in time. */
function tcpGarbage(port: number, bytes: Uint8Array, timeoutMs = 5_000): Promise<"closed" | "open"> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    const timer = setTimeout(() => {
      socket.destroy();
      resolve("open");
    }, timeoutMs);
    socket.on("error", () => undefined);
    socket.on("data", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve("closed");
    });
    // No FIN from us: the server must hang up on the garbage by itself.
    socket.on("connect", () => socket.write(bytes));
  });
}

describe("garbage on the wire", () => {
  let rig: Rig;
  let saved: { etag: string };

  beforeAll(async () => {
    rig = await startRig();
    await rig.raw.state.saveState({ service: "wire", key: "kept", value: "before the garbage" });
    saved = await rig.raw.state.getState({ service: "wire", key: "kept" });
  });
  afterAll(async () => rig?.close());

  it("answers every raw HTTP/2 request with a random or malformed body, on every HTTP/2 server", async () => {
    const { gateway, workmanager, websocketmanager } = rig.emulator.addresses;
    const bodies = garbageBodies(120);
    const counts: Record<Outcome, number> = { "grpc-status": 0, "http-status": 0, reset: 0, timeout: 0 };
    let sent = 0;
    for (const server of [gateway, workmanager, websocketmanager]) {
      const session = http2.connect(server.url);
      session.on("error", () => undefined);
      try {
        // Twelve at a time on one session: concurrency on a session is part of the abuse.
        for (let i = 0; i < bodies.length; i += 12) {
          const batch = bodies.slice(i, i + 12).map((body, j) => {
            const n = i + j;
            return rawRequest(session, PATHS[n % PATHS.length]!, CONTENT_TYPES[(n * 7) % CONTENT_TYPES.length]!, body);
          });
          for (const outcome of await Promise.all(batch)) counts[outcome] += 1;
          sent += batch.length;
        }
        // The abused session itself still works.
        expect(await rawRequest(session, "/grpc.health.v1.Health/Check", "application/grpc", frame(0, 0))).toBe("grpc-status");
      } finally {
        session.close();
      }
    }
    expect(sent).toBe(360);
    // Every request gets an HTTP answer (a gRPC status where the protocol has one): none hangs,
    // none is reset, and the session survives its neighbours' garbage.
    expect(counts.timeout).toBe(0);
    expect(counts.reset).toBe(0);
    expect(counts["grpc-status"]).toBeGreaterThan(0);
    await expectServing(rig.emulator);
  });

  it("answers well-formed calls of unknown services and methods with UNIMPLEMENTED, on every HTTP/2 server", async () => {
    const { gateway, workmanager, websocketmanager } = rig.emulator.addresses;
    for (const server of [gateway, workmanager, websocketmanager]) {
      const session = http2.connect(server.url);
      session.on("error", () => undefined);
      try {
        for (const path of [
          "/virtufin.Nope/Nothing",
          "/virtufin.State/Nope",
          "/virtufin.WorkManager/Nope",
          "/grpc.health.v1.Health/Nope",
          "/.%2e/x",
        ]) {
          expect(await grpcStatusOf(session, path), `${server.url}${path}`).toBe(String(Code.Unimplemented));
        }
        // And the known method on the same session: OK.
        expect(await grpcStatusOf(session, "/grpc.health.v1.Health/Check")).toBe("0");
      } finally {
        session.close();
      }
    }
  });

  it("survives a rapid-reset flood (5,000 subscriptions opened and cancelled at once) with no stream leaked", async () => {
    const body = frame(0, 6, new Uint8Array([0x0a, 0x04, 0x72, 0x72, 0x72, 0x72])); // PubsubSubscribeRequest{topic: "rrrr"}
    const baseline = rig.emulator.activeStreams();
    const session = http2.connect(rig.emulator.addresses.gateway.url);
    session.on("error", () => undefined);
    let opened = 0;
    let closed = 0;
    for (let i = 0; i < 5_000 && !session.destroyed; i++) {
      const stream = session.request({
        ":method": "POST",
        ":path": "/virtufin.Pubsub/Subscribe",
        "content-type": "application/grpc",
        te: "trailers",
      });
      opened += 1;
      stream.on("error", () => undefined);
      stream.on("close", () => (closed += 1));
      stream.end(body);
      // Half are cancelled at once, half a tick later (after the server may have started them).
      if (i % 2 === 0) stream.close(http2.constants.NGHTTP2_CANCEL);
      else setImmediate(() => stream.close(http2.constants.NGHTTP2_CANCEL));
      if (i % 250 === 249) await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor(() => closed === opened, `all ${opened} streams to close`);
    session.destroy();
    // Node may cut such a session short (its rapid-reset defence); either way nothing is left.
    expect(opened).toBeGreaterThan(500);
    await waitFor(() => rig.emulator.activeStreams() === baseline, "the server side of the flood to be gone");
    await expectServing(rig.emulator);
  });

  it("answers raw HTTP/1.1 requests with random bodies on the gRPC-Web server", async () => {
    const { grpcWeb } = rig.emulator.addresses;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    try {
      const bodies = garbageBodies(80);
      const statuses = await Promise.all(
        bodies.map(
          (body, n) =>
            new Promise<number>((resolve, reject) => {
              const req = http.request(
                `${grpcWeb.url}${PATHS[n % PATHS.length]}`,
                {
                  method: "POST",
                  agent,
                  headers: { "content-type": CONTENT_TYPES[n % CONTENT_TYPES.length] || "application/grpc-web+proto" },
                  timeout: 5_000,
                },
                (res) => {
                  res.resume();
                  res.on("end", () => resolve(res.statusCode ?? 0));
                },
              );
              req.on("timeout", () => req.destroy(new Error("no answer in 5 s")));
              req.on("error", reject);
              req.end(body);
            }),
        ),
      );
      expect(statuses).toHaveLength(80);
      for (const status of statuses) expect(status).toBeGreaterThanOrEqual(200);
    } finally {
      agent.destroy();
    }
    await expectServing(rig.emulator);
  });

  it("closes plain TCP connections that send random bytes, on every port", async () => {
    const ports = Object.values(rig.emulator.addresses).map((a) => a.port);
    const preface = new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    const payloads = [
      ...fc.sample(fc.uint8Array({ minLength: 1, maxLength: 4_096 }), { seed: SEED + 1, numRuns: 14 }),
      new Uint8Array(256 * 1024).fill(0xff),
      // A valid HTTP/2 preface followed by garbage frames.
      new Uint8Array([
        ...preface,
        ...fc.sample(fc.uint8Array({ minLength: 64, maxLength: 64 }), { seed: SEED + 2, numRuns: 1 })[0]!,
      ]),
      new TextEncoder().encode(
        "POST /virtufin.State/GetState HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
      ),
      new TextEncoder().encode("GET / HTTP/1.1\r\n" + "X-Long: " + "a".repeat(100_000) + "\r\n\r\n"),
    ];
    const results: string[] = [];
    for (const port of ports) {
      results.push(...(await Promise.all(payloads.map((bytes) => tcpGarbage(port, bytes)))));
    }
    expect(results).toHaveLength(ports.length * payloads.length);
    expect(results.filter((r) => r === "open")).toEqual([]);
    await expectServing(rig.emulator);
    const after = await rig.raw.state.getState({ service: "wire", key: "kept" });
    expect(after.value).toBe("before the garbage");
    expect(after.etag).toBe(saved.etag);
  });
});
