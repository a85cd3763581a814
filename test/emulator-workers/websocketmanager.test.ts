/**
 * WebSocketManager RPCs through a real gRPC client against a real `ws` server on loopback:
 * connect, list with tag filters, publish frames to a topic, send-raw framing, correlated send
 * with timeout, tags and their limits, disconnect, auto-reconnect with backoff, error codes.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FRAME_EVENT_TYPE, WSM_LIFECYCLE_TOPIC } from "../../emulator/websocketmanager/index.js";
import { TopicRecorder, jsonOf, sleep, startWebSocketManager, type TestWebSocketManager } from "./harness.js";
import { WsPeer } from "./ws-peer.js";

const text = (s: string) => new TextEncoder().encode(s);

async function expectCode(promise: Promise<unknown>, code: Code, message?: RegExp): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "the call should have failed").toBeInstanceOf(ConnectError);
  expect(Code[(err as ConnectError).code]).toBe(Code[code]);
  if (message) expect((err as ConnectError).rawMessage).toMatch(message);
}

describe("WebSocketManager", () => {
  let wsm: TestWebSocketManager;
  let peer: WsPeer;
  let lifecycle: TopicRecorder;
  const opened: string[] = [];

  beforeAll(async () => {
    wsm = await startWebSocketManager();
    peer = await WsPeer.start();
    lifecycle = new TopicRecorder(wsm.pubsub, WSM_LIFECYCLE_TOPIC);
  });
  afterEach(async () => {
    for (const id of opened.splice(0)) await wsm.client.disconnect({ id }).catch(() => undefined);
  });
  afterAll(async () => {
    lifecycle?.stop();
    await wsm?.close();
    await peer?.stop();
  });

  async function connect(tags: Record<string, string> = {}, autoReconnect = false, url = peer.url) {
    const response = await wsm.client.connect({ url, autoReconnect, tags });
    opened.push(response.id);
    return response;
  }

  it("connects, lists with tag filters (AND), and emits lifecycle events", async () => {
    const a = await connect({ venue: "binance", kind: "trades" });
    const b = await connect({ venue: "binance", kind: "book" });
    expect(a.status).toBe("connected");
    expect(a.id).toMatch(/^[0-9a-f-]{36}$/);
    const all = (await wsm.client.list({})).connections;
    expect(all.map((c) => c.id).sort()).toEqual([a.id, b.id].sort());
    const listed = all.find((c) => c.id === a.id);
    expect(listed).toMatchObject({
      url: peer.url + "/",
      status: "connected",
      topic: "",
      instanceId: "test-instance",
      tags: { venue: "binance", kind: "trades" },
    });
    const both = await wsm.client.list({ filters: [{ key: "venue", value: "binance" }] });
    expect(both.connections).toHaveLength(2);
    const one = await wsm.client.list({
      filters: [
        { key: "venue", value: "binance" },
        { key: "kind", value: "book" },
      ],
    });
    expect(one.connections.map((c) => c.id)).toEqual([b.id]);
    expect((await wsm.client.list({ filters: [{ key: "venue", value: "kraken" }] })).connections).toHaveLength(0);

    const types = lifecycle.events.filter((e) => e.metadata["ce-subject"] === a.id).map((e) => e.metadata["ce-type"]);
    expect(types).toEqual([
      "com.virtufin.websocketmanager.lifecycle.connecting",
      "com.virtufin.websocketmanager.lifecycle.connected",
    ]);
    expect(jsonOf(lifecycle.events.find((e) => e.metadata["ce-subject"] === a.id)!)).toEqual({
      connection_id: a.id,
      url: peer.url + "/",
      instance_id: "test-instance",
      attempt: 0,
    });
  });

  it("rejects bad URLs and reports an unreachable peer", async () => {
    await expectCode(wsm.client.connect({ url: "" }), Code.InvalidArgument, /URL is required/);
    await expectCode(wsm.client.connect({ url: "http://127.0.0.1:1/" }), Code.InvalidArgument, /ws:\/\/ or wss:\/\//);
    await expectCode(wsm.client.connect({ url: "not a url" }), Code.InvalidArgument);
    await expectCode(wsm.client.connect({ url: `${peer.url}/#fragment` }), Code.InvalidArgument, /fragment/);
    const closed = await WsPeer.start();
    const port = closed.port;
    await closed.stop();
    await expectCode(
      wsm.client.connect({ url: `ws://127.0.0.1:${port}/?token=hunter2` }),
      Code.Unavailable,
      /^Could not connect to ws:\/\/127\.0\.0\.1:\d+\/\?token=redacted/,
    );
  });

  it("publishes inbound frames to a topic as CloudEvents, until StopPublish", async () => {
    const { id } = await connect();
    await expectCode(wsm.client.startPublish({ id, topic: "" }), Code.InvalidArgument, /^Topic is required$/);
    await expectCode(wsm.client.startPublish({ id: "nope", topic: "t" }), Code.NotFound, /^Connection not found$/);
    await wsm.client.startPublish({ id, topic: "ws-frames" });
    const frames = new TopicRecorder(wsm.pubsub, "ws-frames");
    peer.broadcast("hello", false);
    peer.broadcast(Buffer.from([1, 2, 3]), true);
    const [t, b] = await frames.waitFor(2);
    expect(new TextDecoder().decode(t!.data)).toBe("hello");
    expect(t!.metadata).toMatchObject({
      "ce-type": FRAME_EVENT_TYPE,
      "ce-datacontenttype": "text/plain",
      websocketId: id,
      websocketUrl: peer.url + "/",
      contentType: "text/plain",
    });
    expect(Number.isNaN(Date.parse(t!.metadata["timestamp"] ?? ""))).toBe(false);
    expect([...b!.data]).toEqual([1, 2, 3]);
    expect(b!.metadata["contentType"]).toBe("application/octet-stream");
    const listed = (await wsm.client.list({})).connections.find((c) => c.id === id);
    expect(listed).toMatchObject({ topic: "ws-frames", contentType: "application/octet-stream" });

    await wsm.client.stopPublish({ id });
    peer.broadcast("not published", false);
    await sleep(150);
    expect(frames.events).toHaveLength(2);
    frames.stop();
    expect((await wsm.client.list({})).connections.find((c) => c.id === id)?.status).toBe("connected");
  });

  it("sends raw frames as text for text/* and application/json, else binary", async () => {
    const { id } = await connect();
    const start = peer.received.length;
    await wsm.client.sendRaw({ id, message: text("plain"), contentType: "text/plain" });
    await wsm.client.sendRaw({ id, message: text('{"a":1}'), contentType: "application/json" });
    await wsm.client.sendRaw({ id, message: new Uint8Array([9]), contentType: "application/octet-stream" });
    await wsm.client.sendRaw({ id, message: text("no type"), contentType: "" });
    await WsPeer.until(() => peer.received.length >= start + 4, 5_000, "4 frames");
    const got = peer.received.slice(start).map((f) => [f.binary, f.data.toString("hex")]);
    expect(got).toEqual([
      [false, Buffer.from("plain").toString("hex")],
      [false, Buffer.from('{"a":1}').toString("hex")],
      [true, "09"],
      [true, Buffer.from("no type").toString("hex")],
    ]);
    await expectCode(wsm.client.sendRaw({ id: "nope", message: text("x"), contentType: "text/plain" }), Code.NotFound);
  });

  it("sends with a 16-byte correlation prefix and returns the correlated reply, or times out", async () => {
    const { id } = await connect();
    await wsm.client.startPublish({ id, topic: "ws-correlated" });
    const published = new TopicRecorder(wsm.pubsub, "ws-correlated");
    const start = peer.received.length;
    const [r1, r2] = await Promise.all([
      wsm.client.send({ id, message: text("ping-1"), contentType: "text/plain", timeoutMs: 2_000 }),
      wsm.client.send({ id, message: text("ping-2"), contentType: "text/plain", timeoutMs: 2_000 }),
    ]);
    expect(new TextDecoder().decode(r1.response)).toBe("reply:ping-1");
    expect(new TextDecoder().decode(r2.response)).toBe("reply:ping-2");
    const frame = peer.received[start]!;
    expect(frame.binary).toBe(true);
    expect(frame.data.length).toBe(16 + "ping-1".length);
    // Correlated replies are answers, not stream data: they are not published.
    await sleep(100);
    expect(published.events).toHaveLength(0);
    published.stop();

    const started = Date.now();
    await expectCode(
      wsm.client.send({ id, message: text("silent please"), timeoutMs: 200 }),
      Code.DeadlineExceeded,
      /^Request timeout$/,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    await expectCode(wsm.client.send({ id: "nope", message: text("x") }), Code.NotFound);
  });

  it("reads and writes tags within the limits", async () => {
    const { id } = await connect({ a: "1" });
    expect((await wsm.client.getTag({ id, key: "a" })).value).toBe("1");
    expect((await wsm.client.getTag({ id, key: "missing" })).value).toBe("");
    await wsm.client.setTag({ id, key: "b", value: "2" });
    await wsm.client.setTags({ id, tags: { c: "3", a: "one" } });
    expect((await wsm.client.getTags({ id })).tags).toEqual({ a: "one", b: "2", c: "3" });

    await expectCode(wsm.client.setTag({ id, key: "k".repeat(129), value: "v" }), Code.InvalidArgument, /key/);
    await expectCode(wsm.client.setTag({ id, key: "k", value: "v".repeat(1025) }), Code.InvalidArgument, /value/);
    await expectCode(wsm.client.setTag({ id, key: "", value: "v" }), Code.InvalidArgument);
    const many = Object.fromEntries(Array.from({ length: 48 }, (_, i) => [`t${i}`, "x"]));
    await expectCode(wsm.client.setTags({ id, tags: many }), Code.InvalidArgument, /at most 50 tags/);
    expect(Object.keys((await wsm.client.getTags({ id })).tags)).toHaveLength(3);
    await wsm.client.setTag({ id, key: "k".repeat(128), value: "v".repeat(1024) });
    await expectCode(
      wsm.client.connect({ url: peer.url, tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, "x"])) }),
      Code.InvalidArgument,
    );
    await expectCode(wsm.client.getTags({ id: "nope" }), Code.NotFound);
    await expectCode(wsm.client.setTag({ id: "nope", key: "a", value: "b" }), Code.NotFound);
  });

  it("disconnects (the peer sees the close) and forgets the connection", async () => {
    const { id } = await connect();
    const before = peer.sockets.size;
    await wsm.client.disconnect({ id });
    await WsPeer.until(() => peer.sockets.size === before - 1, 5_000, "the peer to see the close");
    expect((await wsm.client.list({})).connections.some((c) => c.id === id)).toBe(false);
    await expectCode(wsm.client.disconnect({ id }), Code.NotFound, /Connection not found/);
    await expectCode(wsm.client.sendRaw({ id, message: text("x") }), Code.NotFound);
  });

  it("reports FAILED_PRECONDITION on a dropped connection without auto-reconnect", async () => {
    const { id } = await connect();
    peer.dropClients();
    await WsPeer.until(
      () =>
        lifecycle.events.some(
          (e) => e.metadata["ce-subject"] === id && e.metadata["ce-type"]?.endsWith(".disconnected") === true,
        ),
      5_000,
      "disconnected",
    );
    expect((await wsm.client.list({})).connections.find((c) => c.id === id)?.status).toBe("disconnected");
    await expectCode(
      wsm.client.sendRaw({ id, message: text("x"), contentType: "text/plain" }),
      Code.FailedPrecondition,
      /^Websocket is not connected$/,
    );
    await expectCode(wsm.client.send({ id, message: text("x") }), Code.FailedPrecondition, /^Websocket is not connected$/);
  });
});

/** Polls List until the connection has `status` (bounded: 5 s). */
async function waitStatus(wsm: TestWebSocketManager, id: string, status: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const current = (await wsm.client.list({})).connections.find((c) => c.id === id)?.status;
    if (current === status) return;
    if (Date.now() > deadline) throw new Error(`connection ${id} is ${current}, not ${status}`);
    await sleep(20);
  }
}

describe("WebSocketManager auto-reconnect", () => {
  it("reconnects with exponential backoff after the server drops the socket, and works again", async () => {
    const wsm = await startWebSocketManager({ reconnectBaseDelayMs: 100 });
    let peer = await WsPeer.start();
    const lifecycle = new TopicRecorder(wsm.pubsub, WSM_LIFECYCLE_TOPIC);
    try {
      const { id, status } = await wsm.client.connect({ url: peer.url, autoReconnect: true });
      expect(status).toBe("connected");
      await wsm.client.startPublish({ id, topic: "ws-reconnect" });

      // A drop with the server still up: one reconnect after ~100 ms.
      peer.dropClients();
      await WsPeer.until(() => peer.connections === 2, 5_000, "the reconnection");
      await waitStatus(wsm, id, "connected");
      const reply = await wsm.client.send({ id, message: text("after-drop"), timeoutMs: 2_000 });
      expect(new TextDecoder().decode(reply.response)).toBe("reply:after-drop");

      // The server goes away: attempts back off 100, 200, 400, 800 ms...
      const port = peer.port;
      await peer.stop();
      const reconnecting = () =>
        lifecycle.events.filter(
          (e) => e.metadata["ce-subject"] === id && e.metadata["ce-type"]?.endsWith(".reconnecting") === true,
        );
      await WsPeer.until(() => reconnecting().length >= 5, 10_000, "5 reconnect attempts");
      expect((await wsm.client.list({})).connections.find((c) => c.id === id)?.status).toBe("reconnecting");
      await expectCode(wsm.client.sendRaw({ id, message: text("x"), contentType: "text/plain" }), Code.FailedPrecondition);
      const attempts = reconnecting()
        .slice(1, 5)
        .map((e) => jsonOf(e) as { attempt: number });
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
      const times = reconnecting()
        .slice(1, 5)
        .map((e) => Date.parse(e.time));
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      // Attempt n+1 is announced one backoff (100 x 2^(n-1) ms) after attempt n.
      expect(gaps[0]).toBeGreaterThanOrEqual(100 - 15);
      expect(gaps[1]).toBeGreaterThanOrEqual(200 - 15);
      expect(gaps[2]).toBeGreaterThanOrEqual(400 - 15);
      expect(gaps[2]!).toBeGreaterThan(gaps[0]!);

      // The server comes back on the same port: the connection recovers by itself.
      peer = await WsPeer.start(port);
      await WsPeer.until(() => peer.sockets.size === 1, 10_000, "the reconnection to the restarted server");
      await waitStatus(wsm, id, "connected");
      const frames = new TopicRecorder(wsm.pubsub, "ws-reconnect");
      peer.broadcast("back", false);
      const [frame] = await frames.waitFor(1);
      frames.stop();
      expect(new TextDecoder().decode(frame!.data)).toBe("back");
      expect((await wsm.client.list({})).connections.find((c) => c.id === id)?.status).toBe("connected");
    } finally {
      lifecycle.stop();
      await wsm.close();
      await peer.stop();
    }
  });

  it("keeps trying when the first connection fails with auto-reconnect", async () => {
    const wsm = await startWebSocketManager({ reconnectBaseDelayMs: 50 });
    const probe = await WsPeer.start();
    const port = probe.port;
    await probe.stop();
    let peer: WsPeer | undefined;
    try {
      const { id, status } = await wsm.client.connect({ url: `ws://127.0.0.1:${port}`, autoReconnect: true });
      expect(status).toBe("reconnecting");
      peer = await WsPeer.start(port);
      await WsPeer.until(() => peer!.sockets.size === 1, 10_000, "the late connection");
      await waitStatus(wsm, id, "connected");
    } finally {
      await wsm.close();
      await peer?.stop();
    }
  });
});
