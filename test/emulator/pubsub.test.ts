import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { Pubsub } from "../../generated/virtufin/pubsub_pb.js";
import { startEmulator, SUBSCRIPTION_ID_HEADER, type Emulator } from "../../emulator/index.js";
import { collect, quiesce, grpcClient, waitFor, waitForStreams } from "./helpers.js";

let emulator: Emulator;
let pubsub: ReturnType<typeof grpcClient<typeof Pubsub>>;
const bytes = (text: string) => new TextEncoder().encode(text);

beforeAll(async () => {
  emulator = await startEmulator({ ports: 0, logLevel: "silent", pubsub: { idleTimeoutMs: 60_000 } });
  pubsub = grpcClient(Pubsub, emulator.addresses.gateway.url);
});
afterAll(() => emulator?.stop());
beforeEach(() => quiesce(emulator));

function subscribe(topic: string, limit = 100) {
  return collect((signal) => pubsub.subscribe({ topic }, { signal }), limit);
}

describe("Pubsub", () => {
  it("fans every event out to every subscriber with CloudEvents metadata, message_id and timestamp", async () => {
    const before = emulator.activeStreams();
    const subs = [subscribe("orders"), subscribe("orders"), subscribe("orders")];
    await waitForStreams(emulator, before + 3);
    const res = await pubsub.publishEvent({
      topic: "orders",
      data: bytes('{"n":1}'),
      metadata: { "ce-type": "com.acme.order.created", correlationid: "c-1" },
    });
    expect(res.status).toMatchObject({ success: true, status: "OK" });
    await pubsub.publishEvent({ topic: "orders", data: bytes('{"n":2}'), metadata: {} });
    await pubsub.publishEvent({ topic: "other-topic", data: bytes("{}"), metadata: {} });
    for (const sub of subs) await waitFor(() => sub.items.length >= 2, "two events per subscriber");
    for (const sub of subs) {
      sub.abort.abort();
      expect(sub.items.map((e) => new TextDecoder().decode(e.data))).toEqual(['{"n":1}', '{"n":2}']);
      const [first, second] = sub.items;
      expect(first?.topic).toBe("orders");
      expect(first?.metadata).toMatchObject({
        "ce-type": "com.acme.order.created",
        "ce-specversion": "1.0",
        "ce-source": "virtufin-api",
        "ce-datacontenttype": "application/json",
        correlationid: "c-1",
      });
      expect(first?.messageId).toBe(first?.metadata["ce-id"]);
      expect(first?.messageId).toMatch(/^[0-9a-f-]{36}$/);
      expect(first?.timestamp).toBe(first?.metadata["ce-time"]);
      expect(new Date(first?.timestamp ?? "").toISOString()).toBe(first?.timestamp);
      expect(second?.metadata["ce-type"]).toBe("com.virtufin.pubsub.publish");
      expect(second?.messageId).not.toBe(first?.messageId);
    }
    // Every subscriber got the same event ids.
    expect(new Set(subs.map((s) => s.items[0]?.messageId)).size).toBe(1);
  });

  it("takes correlationid from the request header, or ce-correlationid, and keeps given ce-id/ce-time", async () => {
    const before = emulator.activeStreams();
    const sub = subscribe("corr");
    await waitForStreams(emulator, before + 1);
    await pubsub.publishEvent({ topic: "corr", data: bytes("{}"), metadata: {} }, { headers: { correlationid: "from-header" } });
    await pubsub.publishEvent({
      topic: "corr",
      data: bytes("{}"),
      metadata: { "ce-correlationid": "prefixed", "ce-replytopic": "replies" },
    });
    await pubsub.publishEvent({
      topic: "corr",
      data: bytes("{}"),
      metadata: { "ce-id": "my-id", "ce-time": "2024-01-02T03:04:05Z" },
    });
    await waitFor(() => sub.items.length >= 3, "three events");
    sub.abort.abort();
    expect(sub.items[0]?.metadata["correlationid"]).toBe("from-header");
    expect(sub.items[1]?.metadata["correlationid"]).toBe("prefixed");
    expect(sub.items[1]?.metadata["replytopic"]).toBe("replies");
    expect(sub.items[1]?.metadata).not.toHaveProperty("ce-correlationid");
    expect(sub.items[2]).toMatchObject({ messageId: "my-id", timestamp: "2024-01-02T03:04:05Z" });
  });

  it("invalid topics are INVALID_ARGUMENT on publish and subscribe", async () => {
    for (const topic of ["", "   ", "has space", "x".repeat(257)]) {
      await expect(pubsub.publishEvent({ topic, data: bytes("{}") })).rejects.toMatchObject({ code: Code.InvalidArgument });
      const sub = subscribe(topic);
      expect(ConnectError.from(await sub.done).code).toBe(Code.InvalidArgument);
    }
    expect((await pubsub.publishEvent({ topic: "y".repeat(256), data: bytes("{}") })).status?.success).toBe(true);
  });

  it("messages above 4 MiB are RESOURCE_EXHAUSTED", async () => {
    await expect(pubsub.publishEvent({ topic: "big", data: new Uint8Array(4 * 1024 * 1024 + 1) })).rejects.toMatchObject({
      code: Code.ResourceExhausted,
    });
  });

  it("Unsubscribe by the id from the x-subscription-id header ends that stream normally; unknown ids succeed", async () => {
    const before = emulator.activeStreams();
    let id = "";
    const sub = collect((signal) =>
      pubsub.subscribe({ topic: "unsub" }, { signal, onHeader: (h) => (id = h.get(SUBSCRIPTION_ID_HEADER) ?? "") }),
    );
    await waitForStreams(emulator, before + 1);
    // Headers travel with the first message.
    await pubsub.publishEvent({ topic: "unsub", data: bytes("{}") });
    await waitFor(() => id !== "", "the subscription id header");
    expect((await pubsub.unsubscribe({ subscriptionId: id })).status?.success).toBe(true);
    expect(await sub.done).toBeUndefined();
    expect(sub.items.length).toBe(1);
    expect((await pubsub.unsubscribe({ subscriptionId: "no-such-id" })).status?.success).toBe(true);
  });

  it("many concurrent and successive subscriptions leave no listeners behind", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    try {
      for (let round = 0; round < 2; round++) {
        const subs = Array.from({ length: 15 }, () => subscribe("many"));
        await waitForStreams(emulator, 15);
        for (const sub of subs) sub.abort.abort();
        await quiesce(emulator);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings).not.toContain("MaxListenersExceededWarning");
  });

  it("a subscriber that goes away is cleaned up", async () => {
    const before = emulator.activeSubscriptions();
    const sub = subscribe("dead");
    await waitFor(() => emulator.activeSubscriptions() === before + 1, "the subscription");
    sub.abort.abort();
    await waitFor(() => emulator.activeSubscriptions() === before, "the cleanup");
  });
});

describe("Pubsub limits", () => {
  it("an idle subscription is ended after the idle timeout", async () => {
    const emu = await startEmulator({ ports: 0, logLevel: "silent", pubsub: { idleTimeoutMs: 150 } });
    try {
      const client = grpcClient(Pubsub, emu.addresses.gateway.url);
      const started = Date.now();
      const sub = collect((signal) => client.subscribe({ topic: "quiet" }, { signal }));
      expect(await sub.done).toBeUndefined();
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(emu.activeSubscriptions()).toBe(0);
    } finally {
      await emu.stop();
    }
  });

  it("a subscription that keeps receiving events outlives the idle timeout, and ends once quiet", async () => {
    const emu = await startEmulator({ ports: 0, logLevel: "silent", pubsub: { idleTimeoutMs: 150 } });
    try {
      const client = grpcClient(Pubsub, emu.addresses.gateway.url);
      const sub = collect((signal) => client.subscribe({ topic: "busy" }, { signal }));
      await waitForStreams(emu, 1);
      // An event every 50 ms for 600 ms: four idle timeouts long, never 150 ms quiet.
      let last = Date.now();
      for (let i = 0; i < 12; i++) {
        await emu.pubsub.publish("busy", new TextEncoder().encode(String(i)), {});
        last = Date.now();
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(emu.activeSubscriptions()).toBe(1);
      }
      expect(await sub.done).toBeUndefined();
      expect(sub.items).toHaveLength(12);
      // Ended by the quiet after the last event.
      expect(Date.now() - last).toBeGreaterThanOrEqual(140);
      expect(emu.activeSubscriptions()).toBe(0);
    } finally {
      await emu.stop();
    }
  });

  it("a subscriber too slow to drain its buffer is closed with RESOURCE_EXHAUSTED", async () => {
    const emu = await startEmulator({ ports: 0, logLevel: "silent", pubsub: { maxBuffer: 4 } });
    try {
      const client = grpcClient(Pubsub, emu.addresses.gateway.url);
      const it = client.subscribe({ topic: "flood" }, { timeoutMs: 20_000 })[Symbol.asyncIterator]();
      await waitForStreams(emu, 1);
      // A burst published in one turn of the event loop arrives faster than any client can take
      // it: the stream's buffer (4 events) overflows whatever the sockets would absorb.
      const burst = Array.from({ length: 20 }, (_, i) => emu.pubsub.publish("flood", new TextEncoder().encode(String(i)), {}));
      await Promise.all(burst);
      await waitFor(() => emu.activeSubscriptions() === 0, "the overflowing subscription to be closed");
      let error: unknown;
      let delivered = 0;
      try {
        for (let i = 0; i <= burst.length; i++) {
          if ((await it.next()).done) break;
          delivered++;
        }
      } catch (err) {
        error = err;
      }
      expect(ConnectError.from(error).code).toBe(Code.ResourceExhausted);
      expect(ConnectError.from(error).rawMessage).toContain("too slow");
      // Events delivered before the overflow are at most the buffer's worth (plus one in flight).
      expect(delivered).toBeLessThanOrEqual(5);
    } finally {
      await emu.stop();
    }
  });

  it("stop() ends open streams normally (no error on the client)", async () => {
    const emu = await startEmulator({ ports: 0, logLevel: "silent" });
    const client = grpcClient(Pubsub, emu.addresses.gateway.url);
    const sub = collect((signal) => client.subscribe({ topic: "t" }, { signal }));
    await waitForStreams(emu, 1);
    await client.publishEvent({ topic: "t", data: bytes("{}") });
    await waitFor(() => sub.items.length === 1, "one event");
    await emu.stop();
    expect(await sub.done).toBeUndefined();
  });
});
