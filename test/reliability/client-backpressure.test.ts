// Issue 6, item 4: a slow consumer of a fast topic holds bounded memory in the client, and what
// the emulator does with a slow subscriber is bounded and documented.
//
// The client buffers nothing: reconnectingStream asks the HTTP/2 stream for the next message
// only when the consumer asks for one, so flow control leaves the backlog on the server. The
// emulator queues at most `pubsub.maxBuffer` (default 10,000) undelivered events per Subscribe
// stream; one more and that stream is closed with RESOURCE_EXHAUSTED (see
// emulator/services/pubsub-service.ts); the platform client reports this through onReconnect
// and subscribes again, so the events it was too slow for are lost, visibly.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/index.js";
import { ApiClient } from "../../platform/api-client.js";
import { type ReconnectInfo } from "../../platform/pubsub/reconnecting-stream.js";
import { Code } from "../../runtime/errors.js";
import { delay, fixture, runFixture } from "./helpers.js";

const EVENTS = 20_000;
const PAYLOAD = new TextEncoder().encode(JSON.stringify({ pad: "x".repeat(1_000) })); // ~1 KB each, ~20 MB in all
const MB = 1024 * 1024;

/** Publishes `count` events straight into the emulator's bus: a producer far faster than any network client. */
async function flood(emulator: Emulator, topic: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await emulator.pubsub.publish(topic, PAYLOAD, { "ce-datacontenttype": "application/json", seq: String(i) });
    if (i % 500 === 499) await delay(0); // let the server write between bursts
  }
}

describe("a slow consumer of a fast topic", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    // Room for the whole flood on the server, so the client is the only place it could pile up.
    emulator = await startEmulator({ ports: 0, logLevel: "error", pubsub: { maxBuffer: 50_000 } });
  });
  afterAll(() => emulator.stop());

  it("holds bounded memory in the client while 20,000 events (~20 MB) wait on the server", async () => {
    const topic = "fast-topic";
    let ready = false;
    const child = runFixture(fixture("slow-consumer.ts"), [String(emulator.addresses.gateway.port), topic, "3"], {
      timeoutMs: 40_000,
      nodeArgs: ["--expose-gc"],
      onStdout: (text) => void (ready ||= text.includes("ready")),
    });
    // Flood once the child is subscribed (subscribeReady) and has measured its baseline.
    const until = Date.now() + 20_000;
    while (!ready && Date.now() < until) await delay(20);
    expect(emulator.activeSubscriptions()).toBe(1);
    const started = Date.now();
    await flood(emulator, topic, EVENTS);
    const floodMs = Date.now() - started;
    const result = await child;
    const report = JSON.parse(result.stdout.trim().split("\n").at(-1)!) as {
      baseline: { heap: number; buffers: number };
      samples: { heap: number; buffers: number }[];
      received: number;
      bytes: number;
      reconnects: number;
    };
    const heapGrowth = Math.max(...report.samples.map((s) => s.heap)) - report.baseline.heap;
    const bufferGrowth = Math.max(...report.samples.map((s) => s.buffers)) - report.baseline.buffers;
    console.info(
      `slow consumer: flood of ${EVENTS} events took ${floodMs} ms; consumer read ${report.received} in 3 s; ` +
        `client heap +${(heapGrowth / MB).toFixed(1)} MB, buffers +${(bufferGrowth / MB).toFixed(1)} MB`,
    );
    // The consumer was slow (about one event per 10 ms), so nearly all of the flood was waiting...
    expect(report.received).toBeGreaterThan(50);
    expect(report.received).toBeLessThan(1_000);
    expect(report.samples.length).toBeGreaterThanOrEqual(5);
    // ...but not in the client: buffering it would cost well over 20 MB.
    expect(heapGrowth).toBeLessThan(6 * MB);
    expect(bufferGrowth).toBeLessThan(6 * MB);
    expect(report.reconnects).toBe(0); // within the server's buffer: the stream was never dropped
    // The child has gone, and with it its subscription.
    await expect.poll(() => emulator.activeSubscriptions(), { timeout: 5_000 }).toBe(0);
  }, 50_000);
});

describe("the emulator's policy for a slow subscriber", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ ports: 0, logLevel: "error", pubsub: { maxBuffer: 1_000 } });
  });
  afterAll(() => emulator.stop());

  it("closes a stream that falls more than maxBuffer events behind with RESOURCE_EXHAUSTED; the client reports it and resubscribes", async () => {
    const topic = "overflow-topic";
    await using api = new ApiClient({ host: "127.0.0.1", port: emulator.addresses.gateway.port });
    const controller = new AbortController();
    const reconnects: ReconnectInfo[] = [];
    const events = await api.pubsub.subscribeReady(topic, {
      signal: controller.signal,
      reconnect: { initialDelayMs: 20, maxDelayMs: 100 },
      onReconnect: (info) => void reconnects.push(info),
    });
    const seqs: number[] = [];
    const consumer = (async () => {
      for await (const event of events) {
        seqs.push(Number(event.metadata["seq"]));
        await delay(10);
      }
    })();
    await delay(50);
    await flood(emulator, topic, 5_000);
    // The overflowing stream is dropped and reported...
    const until = Date.now() + 10_000;
    while (reconnects.length === 0 && Date.now() < until) await delay(20);
    expect(reconnects[0]?.error?.code).toBe(Code.ResourceExhausted);
    // ...and the subscription comes back: events published after that are delivered.
    while (emulator.activeSubscriptions() === 0 && Date.now() < until) await delay(20);
    expect(emulator.activeSubscriptions()).toBe(1);
    const before = seqs.length;
    for (let i = 0; i < 5; i++) await emulator.pubsub.publish(topic, PAYLOAD, { seq: String(100_000 + i) });
    while (!seqs.includes(100_004) && Date.now() < until) await delay(20);
    controller.abort();
    await consumer;
    expect(seqs.slice(before)).toEqual(expect.arrayContaining([100_000, 100_001, 100_002, 100_003, 100_004]));
    // What was lost is visible: the events the stream was too slow for never arrived.
    expect(seqs.filter((s) => s < 5_000).length).toBeLessThan(5_000);
    expect(new Set(seqs).size).toBe(seqs.length); // and nothing arrived twice
  }, 30_000);
});
