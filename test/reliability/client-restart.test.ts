// Issue 6, item 3: a subscription survives its server going away. The emulator is stopped (and,
// in a child process, killed with SIGKILL) mid-stream and started again on the SAME ports; the
// subscription reopens by itself with backoff, reports every reconnect, and the consumer sees
// exactly the events acknowledged to a publisher while it was connected, each once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/index.js";
import { ApiClient } from "../../platform/api-client.js";
import { type PubsubEvent } from "../../platform/pubsub/event.js";
import { type ReconnectInfo } from "../../platform/pubsub/reconnecting-stream.js";
import { Code, VirtufinError } from "../../runtime/errors.js";
import { emulatorPorts, spawnEmulatorProcess, type EmulatorPortSet } from "../support/emulator-process.js";
import { startFakePlatform, type FakePlatform } from "./fake-platform.js";
import { delay } from "./helpers.js";

/** Fast reconnects for tests: the first retry within 50 ms, never more than 250 ms apart. */
const reconnect = { initialDelayMs: 50, maxDelayMs: 250 };

/** Reads a subscription in the background, remembering every event and every reconnect. */
function consume(api: ApiClient, events: AsyncIterable<PubsubEvent>, perEventMs = 0) {
  const seen: { n: number; id: string }[] = [];
  let failure: unknown;
  const done = (async () => {
    try {
      for await (const event of events) {
        const body = event.dataAsJson<{ n?: number }>();
        if (typeof body.n === "number") seen.push({ n: body.n, id: event.messageId });
        if (perEventMs) await delay(perEventMs);
      }
    } catch (error) {
      failure = error;
    }
  })();
  return { seen, done, failure: () => failure, api };
}

/** Publishes events `from..to-1`, one after the other; each resolves only once acknowledged. */
async function publishRange(api: ApiClient, topic: string, from: number, to: number): Promise<void> {
  for (let n = from; n < to; n++) await api.pubsub.publish(topic, { n, pad: "x".repeat(64) });
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await delay(10);
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe("a subscription across graceful emulator restarts on the same ports", () => {
  let ports: EmulatorPortSet;
  let emulator: Emulator | undefined;
  const start = async () => {
    emulator = await startEmulator({ ports, logLevel: "error" });
    return emulator;
  };
  beforeAll(async () => {
    ports = await emulatorPorts();
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it("reconnects after each of 3 restarts and delivers every acknowledged event exactly once, in order", async () => {
    const topic = "restart-graceful";
    let current = await start();
    const controller = new AbortController();
    const reconnects: ReconnectInfo[] = [];
    await using subscriber = new ApiClient({ host: "127.0.0.1", port: ports.gateway });
    await using publisher = new ApiClient({ host: "127.0.0.1", port: ports.gateway });
    const events = await subscriber.pubsub.subscribeReady(topic, {
      signal: controller.signal,
      reconnect,
      onReconnect: (i) => void reconnects.push(i),
    });
    // A slightly slow consumer, so that events are still queued on the server when it stops.
    const consumer = consume(subscriber, events, 3);
    const phase = 60;
    let refused = 0;
    const queuedAtStop: number[] = [];
    for (let restart = 0; restart < 3; restart++) {
      await publishRange(publisher, topic, restart * phase, (restart + 1) * phase);
      // Stop right after the last acknowledgement: the server still holds events for the slow
      // consumer and must flush them before the stream ends.
      queuedAtStop.push((restart + 1) * phase - consumer.seen.length);
      await current.stop();
      // While it is down, a publish is refused (and not retried: it could publish twice).
      const error = await publisher.pubsub.publish(topic, { n: -1 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VirtufinError);
      expect((error as VirtufinError).code).toBe(Code.Unavailable);
      refused++;
      await until(() => consumer.seen.length >= (restart + 1) * phase, `the events before restart ${restart + 1}`);
      await delay(100); // let the subscriber hit the closed port at least once
      current = await start();
      await until(() => current.activeSubscriptions() === 1, `the subscription to come back after restart ${restart + 1}`);
    }
    await publishRange(publisher, topic, 3 * phase, 4 * phase);
    await until(() => consumer.seen.length >= 4 * phase, "the last events");
    await delay(100); // a duplicate, if any, would arrive now
    controller.abort();
    await consumer.done;
    expect(consumer.failure()).toBeUndefined();
    expect(refused).toBe(3);
    expect(Math.max(...queuedAtStop)).toBeGreaterThan(0); // the server did hold undelivered events
    expect(consumer.seen.map((e) => e.n)).toEqual(range(0, 4 * phase));
    expect(new Set(consumer.seen.map((e) => e.id)).size).toBe(4 * phase);
    // Every restart was reported: at least one reconnect each, some after a refused connection.
    expect(reconnects.length).toBeGreaterThanOrEqual(3);
    expect(reconnects.some((r) => r.error?.code === Code.Unavailable)).toBe(true);
    for (const r of reconnects) expect(r.delayMs).toBeLessThanOrEqual(reconnect.maxDelayMs);
  });

  it("a Gateway-wide subscription (Gateway.Subscribe) comes back too", async () => {
    const topic = "restart-gateway";
    let current = emulator ?? (await start());
    const controller = new AbortController();
    let reconnects = 0;
    await using api = new ApiClient({ host: "127.0.0.1", port: ports.gateway });
    const seen: number[] = [];
    const done = (async () => {
      for await (const event of api.subscribe({
        topics: [topic],
        signal: controller.signal,
        reconnect,
        onReconnect: () => void reconnects++,
      })) {
        const n = event.dataAsJson<{ n?: number } | undefined>()?.n;
        if (typeof n === "number") seen.push(n);
      }
    })();
    await until(() => current.activeStreams() >= 1, "the Gateway stream");
    await publishRange(api, topic, 0, 20);
    await until(() => seen.length >= 20, "the first events");
    await current.stop();
    current = await start();
    await until(() => current.activeStreams() >= 1, "the Gateway stream to come back");
    await publishRange(api, topic, 20, 40);
    await until(() => seen.length >= 40, "the last events");
    controller.abort();
    await done;
    expect(seen).toEqual(range(0, 40));
    expect(reconnects).toBeGreaterThanOrEqual(1);
  });
});

describe("reconnect backoff", () => {
  it("retries with growing, jittered delays while the server is down, and starts over after it is back", async () => {
    const ports = await emulatorPorts();
    let emulator = await startEmulator({ ports, logLevel: "error" });
    const policy = { initialDelayMs: 40, maxDelayMs: 320 };
    const controller = new AbortController();
    const reports: ReconnectInfo[] = [];
    await using api = new ApiClient({ host: "127.0.0.1", port: ports.gateway });
    const seen: number[] = [];
    const events = await api.pubsub.subscribeReady("backoff", {
      signal: controller.signal,
      reconnect: policy,
      onReconnect: (r) => void reports.push(r),
    });
    const done = (async () => {
      for await (const event of events) seen.push(event.dataAsJson<{ n: number }>().n);
    })();
    try {
      await emulator.stop();
      await delay(1_500); // down: the subscription keeps trying
      const whileDown = [...reports];
      emulator = await startEmulator({ ports, logLevel: "error" });
      await until(() => emulator.activeSubscriptions() === 1, "the subscription to come back");
      await api.pubsub.publish("backoff", { n: 1 });
      await until(() => seen.length === 1, "an event after the restart");
      // Attempts count up by one; each delay lies in [0, ceiling] (full jitter), the ceiling doubling up to the maximum.
      expect(whileDown.length).toBeGreaterThanOrEqual(4);
      whileDown.forEach((report, i) => {
        expect(report.attempt).toBe(i + 1);
        const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** i);
        expect(report.delayMs).toBeGreaterThanOrEqual(0); // full jitter: anywhere up to the bound
        expect(report.delayMs).toBeLessThanOrEqual(ceiling + 1);
      });
      // The first reports are clean ends (a stopping server ends its streams normally, new ones
      // too); once it is gone, refused connections (UNAVAILABLE).
      expect(whileDown[0]!.error).toBeUndefined();
      expect(whileDown.slice(-3).every((r) => r.error?.code === Code.Unavailable)).toBe(true);
      // Once a stream delivered again, the next drop starts over at attempt 1.
      const before = reports.length;
      await emulator.stop();
      await until(() => reports.length > before, "the next drop to be reported");
      expect(reports[before]!.attempt).toBe(1);
    } finally {
      controller.abort();
      await done;
      await emulator.stop();
    }
  });
});

describe("a subscription outliving its stream deadline", () => {
  it("reopens the stream each time the deadline (one day by default) ends it, and reports why", async () => {
    const emulator = await startEmulator({ ports: 0, logLevel: "error" });
    const controller = new AbortController();
    const reports: ReconnectInfo[] = [];
    const seen: number[] = [];
    try {
      await using api = new ApiClient({ host: "127.0.0.1", port: emulator.addresses.gateway.port, streamTimeoutMs: 300 });
      const done = (async () => {
        for await (const event of api.pubsub.subscribe("deadline-topic", {
          signal: controller.signal,
          reconnect,
          onReconnect: (r) => void reports.push(r),
        })) {
          seen.push(event.dataAsJson<{ n: number }>().n);
        }
      })();
      await until(() => reports.length >= 3, "three deadline expiries", 5_000);
      expect(reports.slice(0, 3).every((r) => r.error?.code === Code.DeadlineExceeded)).toBe(true);
      // Still subscribed: an event gets through (published until one lands on an open stream).
      for (let n = 0; seen.length === 0 && n < 100; n++) {
        await api.pubsub.publish("deadline-topic", { n });
        await delay(30);
      }
      expect(seen.length).toBeGreaterThan(0);
      controller.abort();
      await done;
    } finally {
      await emulator.stop();
    }
  });
});

describe("a subscription across SIGKILLs of an emulator process", () => {
  it("reconnects after 2 kills and delivers every event published while it was connected, once", async () => {
    const ports = await emulatorPorts();
    let proc = await spawnEmulatorProcess({ ports });
    const topic = "restart-killed";
    const controller = new AbortController();
    const reconnects: ReconnectInfo[] = [];
    await using subscriber = new ApiClient({ host: "127.0.0.1", port: ports.gateway });
    await using publisher = new ApiClient({ host: "127.0.0.1", port: ports.gateway });
    const seen: number[] = [];
    const markers = new Set<string>();
    const done = (async () => {
      const events = await subscriber.pubsub.subscribeReady(topic, {
        signal: controller.signal,
        reconnect,
        onReconnect: (i) => void reconnects.push(i),
      });
      for await (const event of events) {
        const body = event.dataAsJson<{ n?: number; marker?: string }>();
        if (body.marker) markers.add(body.marker);
        else if (typeof body.n === "number") seen.push(body.n);
      }
    })();
    /** Publishes markers until the subscriber sees one: from then on it is connected. */
    const connected = async (marker: string) => {
      for (let i = 0; i < 200 && !markers.has(marker); i++) {
        await publisher.pubsub.publish(topic, { marker }).catch(() => undefined);
        await delay(50);
      }
      if (!markers.has(marker)) throw new Error(`the subscriber never came back (${marker})`);
    };
    const phase = 50;
    try {
      await connected("start");
      for (let kill = 0; kill < 2; kill++) {
        await publishRange(publisher, topic, kill * phase, (kill + 1) * phase);
        // Nothing may be lost that the subscriber could have received: wait for it, then kill.
        await until(() => seen.length >= (kill + 1) * phase, `events before kill ${kill + 1}`);
        await proc.kill();
        proc = await spawnEmulatorProcess({ ports });
        await connected(`after-kill-${kill + 1}`);
      }
      await publishRange(publisher, topic, 2 * phase, 3 * phase);
      await until(() => seen.length >= 3 * phase, "the last events");
      await delay(100);
    } finally {
      controller.abort();
      await done.catch(() => undefined);
      await proc.kill();
    }
    expect(seen).toEqual(range(0, 3 * phase));
    // A killed server resets the connection: the stream fails (UNAVAILABLE or similar) and the
    // reconnect reports why.
    expect(reconnects.length).toBeGreaterThanOrEqual(2);
    expect(reconnects.some((r) => r.error !== undefined)).toBe(true);
  }, 60_000);
});

describe("de-duplication by event id", () => {
  let fake: FakePlatform;
  beforeAll(async () => {
    fake = await startFakePlatform();
  });
  afterAll(() => fake.close());

  it("drops events a server replays after each reconnect and reports every reconnect", async () => {
    // Stream c replays ids 0..5c-1 and ends: 6 streams send 5+10+...+30 = 105 events, 75 repeats.
    const controller = new AbortController();
    let reconnects = 0;
    await using api = new ApiClient({ host: "127.0.0.1", port: fake.port });
    const ids: string[] = [];
    for await (const event of api.pubsub.subscribe("replay-a", {
      signal: controller.signal,
      reconnect,
      onReconnect: () => void reconnects++,
    })) {
      ids.push(event.messageId);
      if (ids.length === 30) controller.abort();
    }
    expect(ids).toEqual(range(0, 30).map((i) => `replay-a-${i}`));
    expect(reconnects).toBe(5);
  });
});
