// Issue 6, item 1: every call carries a deadline (a default when none is given, streams their
// own long one), and a 1 ms deadline against a slow handler fails with DEADLINE_EXCEEDED
// promptly, leaving no timer, no call in flight and no abort listener behind.
import { getEventListeners, setMaxListeners } from "node:events";
import { createServer, type AddressInfo, type Socket } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PubsubClient } from "../../generated/virtufin/pubsub_client.js";
import { StateClient } from "../../generated/virtufin/state_client.js";
import { WorkManagerClient } from "../../generated/virtufin/workmanager_client.js";
import { ApiClient } from "../../platform/api-client.js";
import { DEFAULT_STREAM_TIMEOUT_MS, DEFAULT_TIMEOUT_MS } from "../../runtime/call-options.js";
import { Connection } from "../../runtime/connection.js";
import { Code, VirtufinError } from "../../runtime/errors.js";
import { startFakePlatform, type FakePlatform } from "./fake-platform.js";
import { activeTimeouts, delay, fixture, runFixture, timersSettle } from "./helpers.js";

let fake: FakePlatform;
beforeAll(async () => {
  fake = await startFakePlatform();
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const target = () => ({ host: "127.0.0.1", port: fake.port });

/** A deadline as the server saw it: what was sent, minus transit (a little less, never more). */
function expectNear(seen: number | undefined, expected: number): void {
  expect(seen).toBeDefined();
  expect(seen!).toBeLessThanOrEqual(expected);
  expect(seen!).toBeGreaterThan(expected - 5_000);
}

async function firstOf<T>(stream: AsyncIterable<T>): Promise<T> {
  for await (const item of stream) return item;
  throw new Error("the stream ended empty");
}

describe("every call has a deadline", () => {
  it("generated clients send the default deadline when the call gives none: 30 s unary, one day for streams", async () => {
    await using wm = new WorkManagerClient(target());
    await using state = new StateClient(target());
    await using pubsub = new PubsubClient(target());
    await wm.listWorkers();
    await state.saveState("svc", "k", "v");
    await firstOf(pubsub.subscribe("fast"));
    expect(DEFAULT_TIMEOUT_MS).toBe(30_000);
    expect(DEFAULT_STREAM_TIMEOUT_MS).toBe(86_400_000);
    expectNear(fake.state.deadlines["listWorkers"]![0], DEFAULT_TIMEOUT_MS);
    expectNear(fake.state.deadlines["saveState"]![0], DEFAULT_TIMEOUT_MS);
    expectNear(fake.state.deadlines["subscribe"]![0], DEFAULT_STREAM_TIMEOUT_MS);
  });

  it("the platform client does too, for state, publish, subscribe and health", async () => {
    await using api = new ApiClient(target());
    await api.state.get("svc", "k");
    await api.state.save("svc", "k", "v");
    await api.pubsub.publish("t", { a: 1 });
    await firstOf(api.pubsub.subscribe("fast"));
    await api.health();
    expectNear(fake.state.deadlines["getState"]![0], DEFAULT_TIMEOUT_MS);
    expectNear(fake.state.deadlines["saveState"]![0], DEFAULT_TIMEOUT_MS);
    expectNear(fake.state.deadlines["publishEvent"]![0], DEFAULT_TIMEOUT_MS);
    expectNear(fake.state.deadlines["subscribe"]![0], DEFAULT_STREAM_TIMEOUT_MS);
    expectNear(fake.state.deadlines["check"]![0], 5_000);
  });

  it("client defaults and per-call deadlines override the built-in ones", async () => {
    await using wm = new WorkManagerClient({ ...target(), timeoutMs: 1_234, streamTimeoutMs: 4_321 });
    await using pubsub = new PubsubClient({ ...target(), streamTimeoutMs: 4_321 });
    await wm.listWorkers();
    await wm.listWorkers(undefined, { timeoutMs: 777 });
    await firstOf(pubsub.subscribe("fast"));
    const [byClient, byCall] = fake.state.deadlines["listWorkers"]!;
    expect(byClient).toBeLessThanOrEqual(1_234);
    expect(byClient).toBeGreaterThan(1_000);
    expect(byCall).toBeLessThanOrEqual(777);
    expect(byCall).toBeGreaterThan(500);
    expect(fake.state.deadlines["subscribe"]![0]).toBeLessThanOrEqual(4_321);
  });
});

describe("a 1 ms deadline against a slow handler", () => {
  it("fails every call with DEADLINE_EXCEEDED promptly and leaves no timer, call or listener behind", async () => {
    const connection = new Connection(target());
    const wm = new WorkManagerClient(connection);
    const state = new StateClient(connection);
    await wm.listWorkers(); // open the HTTP/2 session first, so its own setup is not counted
    const timersBefore = activeTimeouts();
    const user = new AbortController(); // a caller's signal that never fires: its listeners must go
    setMaxListeners(100, user.signal); // 50 calls share it on purpose
    const rounds = 50;
    const started = Date.now();
    const outcomes = await Promise.all(
      Array.from({ length: rounds }, (_, i) =>
        (i % 2
          ? wm.startWorker("w", { timeoutMs: 1, signal: user.signal })
          : state.getState("svc", "slow", { timeoutMs: 1, signal: user.signal })
        )
          .then(() => "resolved")
          .catch((e: unknown) => e),
      ),
    );
    const elapsed = Date.now() - started;
    for (const outcome of outcomes) {
      expect(outcome).toBeInstanceOf(VirtufinError);
      expect((outcome as VirtufinError).code).toBe(Code.DeadlineExceeded);
    }
    expect(elapsed).toBeLessThan(2_000); // the slow handlers take 10 s
    expect(connection.inflight).toBe(0);
    expect(getEventListeners(user.signal, "abort")).toHaveLength(0);
    // Timers of the calls are cleared; allow the event loop a moment to run clean-ups.
    expect(await timersSettle(timersBefore)).toBeLessThanOrEqual(timersBefore);
    // Every slow handler that the server did start was stopped by the deadline, none runs on.
    const startedOnServer = () => (fake.state.attempts["startWorker"] ?? 0) + (fake.state.attempts["getState"] ?? 0);
    const abortedOnServer = () => (fake.state.aborted["startWorker"] ?? 0) + (fake.state.aborted["getState"] ?? 0);
    await delay(200);
    await expect.poll(() => startedOnServer() - abortedOnServer(), { timeout: 2_000 }).toBe(0);
    await connection.close();
  });

  it("the server sees the deadline too and stops its slow handler", async () => {
    await using wm = new WorkManagerClient(target());
    const before = fake.state.aborted["startWorker"] ?? 0;
    await wm.startWorker("w", { timeoutMs: 50 }).catch(() => undefined);
    await expect.poll(() => fake.state.aborted["startWorker"] ?? 0, { timeout: 2_000 }).toBe(before + 1);
  });

  it("ends a stream whose deadline passes mid-stream with DEADLINE_EXCEEDED and no leftovers", async () => {
    const connection = new Connection(target());
    const pubsub = new PubsubClient(connection);
    await firstOf(pubsub.subscribe("fast")); // warm up the session
    const timersBefore = activeTimeouts();
    const seen: string[] = [];
    const started = Date.now();
    const error = await (async () => {
      for await (const event of pubsub.subscribe("slow-stream", { timeoutMs: 150 })) seen.push(event.messageId);
    })().catch((e: unknown) => e);
    expect((error as VirtufinError).code).toBe(Code.DeadlineExceeded);
    expect(seen).toEqual(["slow-stream-0"]);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(connection.inflight).toBe(0);
    await expect.poll(() => fake.state.aborted["subscribe"] ?? 0, { timeout: 2_000 }).toBeGreaterThanOrEqual(1);
    expect(await timersSettle(timersBefore)).toBeLessThanOrEqual(timersBefore);
    await connection.close();
  });

  it("a 1 ms deadline on a stream fails it with DEADLINE_EXCEEDED", async () => {
    await using pubsub = new PubsubClient(target());
    const error = await firstOf(pubsub.subscribe("slow-x", { timeoutMs: 1 })).catch((e: unknown) => e);
    // The first event may or may not beat a 1 ms deadline; if it does, the next read must fail.
    if (!(error instanceof VirtufinError)) {
      const again = await (async () => {
        for await (const _ of pubsub.subscribe("slow-y", { timeoutMs: 1 })) await delay(5);
      })().catch((e: unknown) => e);
      expect((again as VirtufinError).code).toBe(Code.DeadlineExceeded);
    } else {
      expect(error.code).toBe(Code.DeadlineExceeded);
    }
  });

  it("a process that made calls with default and 1 ms deadlines exits by itself once the client is closed", async () => {
    // The default unary deadline is 30 s and a stream's one day: a timer left armed would keep
    // the child alive far beyond the limit below.
    const result = await runFixture(fixture("deadline-exit.ts"), [String(fake.port)], { timeoutMs: 15_000 });
    expect(result.stdout).toContain("unary ok");
    expect(result.stdout).toContain("deadline DEADLINE_EXCEEDED");
    expect(result.stdout).toContain("stream ok");
    expect(result.stdout).toContain("closed");
    expect(result.elapsedMs).toBeLessThan(10_000);
  });
});

describe("a server that accepts connections and never answers (a black hole)", () => {
  it("fails unary calls, streams and request-replies by their deadlines, leaving nothing behind", async () => {
    const sockets = new Set<Socket>();
    const hole = createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => undefined);
    });
    await new Promise<void>((resolve) => hole.listen(0, "127.0.0.1", resolve));
    const port = (hole.address() as AddressInfo).port;
    const timersBefore = activeTimeouts();
    const connection = new Connection({ host: "127.0.0.1", port });
    try {
      const wm = new WorkManagerClient(connection);
      const pubsub = new PubsubClient(connection);
      const api = new ApiClient(connection);
      const started = Date.now();
      const [unary, retried, stream, reply] = await Promise.all([
        wm.startWorker("w", { timeoutMs: 200 }).catch((e: unknown) => e),
        wm.listWorkers(undefined, { timeoutMs: 300 }).catch((e: unknown) => e), // idempotent: retries inside the deadline
        firstOf(pubsub.subscribe("t", { timeoutMs: 200 })).catch((e: unknown) => e),
        api.pubsub.publishWithResult({ topic: "t", replyTopic: "r", timeoutMs: 300 }).catch((e: unknown) => e),
      ]);
      expect(Date.now() - started).toBeLessThan(2_000);
      for (const outcome of [unary, retried, stream, reply]) {
        expect(outcome).toBeInstanceOf(VirtufinError);
        expect((outcome as VirtufinError).code).toBe(Code.DeadlineExceeded);
      }
      expect(api.pubsub.replyRouter("r").pending).toBe(0);
      api.pubsub.close(); // the reply subscription is still trying to come up: stop it
      await expect.poll(() => connection.inflight, { timeout: 2_000 }).toBe(0);
    } finally {
      await connection.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => hole.close(() => resolve()));
    }
    expect(await timersSettle(timersBefore)).toBeLessThanOrEqual(timersBefore);
  });
});
