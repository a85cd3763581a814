// Issue 6, item 6: aborting a unary call, a stream or a request-reply settles it with a Canceled
// error (a platform subscription, as documented, ends quietly instead) and cleans up: no call
// in flight, no abort listener, nothing pending in the reply router, and the server sees the
// call end.
import { getEventListeners } from "node:events";
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { PubsubClient } from "../../generated/virtufin/pubsub_client.js";
import { StateClient } from "../../generated/virtufin/state_client.js";
import { WorkManagerClient } from "../../generated/virtufin/workmanager_client.js";
import { ApiClient } from "../../platform/api-client.js";
import { Connection } from "../../runtime/connection.js";
import { Code, VirtufinError } from "../../runtime/errors.js";
import { startFixture, type EmulatorFixture } from "../support/emulator.js";
import { startFakePlatform, type FakePlatform } from "./fake-platform.js";
import { activeTimeouts, delay, timersSettle } from "./helpers.js";

const caught = (promise: Promise<unknown>) =>
  promise.then(
    () => "resolved",
    (e: unknown) => e,
  );

function expectCanceled(outcome: unknown): void {
  expect(outcome).toBeInstanceOf(VirtufinError);
  expect((outcome as VirtufinError).code).toBe(Code.Canceled);
}

describe("cancelling direct calls", () => {
  let fake: FakePlatform;
  beforeAll(async () => {
    fake = await startFakePlatform();
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());
  const target = () => ({ host: "127.0.0.1", port: fake.port });

  it("an aborted unary call rejects with Canceled at once, and the server handler is stopped", async () => {
    const connection = new Connection(target());
    const wm = new WorkManagerClient(connection);
    await wm.listWorkers();
    const timersBefore = activeTimeouts();
    const controller = new AbortController();
    const pending = caught(wm.startWorker("w", { signal: controller.signal }));
    await expect.poll(() => fake.state.attempts["startWorker"] ?? 0).toBe(1);
    const abortedAt = Date.now();
    controller.abort();
    expectCanceled(await pending);
    expect(Date.now() - abortedAt).toBeLessThan(1_000);
    expect(connection.inflight).toBe(0);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    await expect.poll(() => fake.state.aborted["startWorker"] ?? 0, { timeout: 2_000 }).toBe(1);
    expect(await timersSettle(timersBefore)).toBeLessThanOrEqual(timersBefore);
    await connection.close();
  });

  it("a call with an already aborted signal is Canceled without reaching the server", async () => {
    await using wm = new WorkManagerClient(target());
    const outcome = await caught(wm.listWorkers(undefined, { signal: AbortSignal.abort() }));
    expectCanceled(outcome);
    expect(fake.state.attempts["listWorkers"] ?? 0).toBe(0);
  });

  it("aborting a call while it waits to retry settles it with Canceled, not with the last failure", async () => {
    await using state = new StateClient({
      ...target(),
      retry: { initialBackoffMs: 5_000, maxBackoffMs: 5_000, backoffMultiplier: 1 },
    });
    fake.state.failures["getState"] = { remaining: 5, code: Code.Unavailable };
    const controller = new AbortController();
    const pending = caught(state.getState("svc", "k", { signal: controller.signal }));
    await expect.poll(() => fake.state.attempts["getState"] ?? 0).toBe(1);
    await delay(50); // now sleeping before the second attempt
    const abortedAt = Date.now();
    controller.abort();
    expectCanceled(await pending);
    expect(Date.now() - abortedAt).toBeLessThan(1_000);
    expect(fake.state.attempts["getState"]).toBe(1);
  });

  it("an aborted stream throws Canceled from the loop, and the server's stream ends", async () => {
    const connection = new Connection(target());
    const pubsub = new PubsubClient(connection);
    const controller = new AbortController();
    const seen: string[] = [];
    const outcome = await caught(
      (async () => {
        for await (const event of pubsub.subscribe("fast-cancel", { signal: controller.signal })) {
          seen.push(event.messageId);
          if (seen.length === 3) controller.abort();
        }
      })(),
    );
    expectCanceled(outcome);
    expect(seen).toHaveLength(3);
    expect(connection.inflight).toBe(0);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    await expect.poll(() => fake.state.streamsEnded, { timeout: 2_000 }).toBeGreaterThanOrEqual(1);
    await connection.close();
  });

  it("leaving a busy stream early releases its deadline timer, directly and through the platform client", async () => {
    // Connect clears a stream's deadline timer (one day by default) only once a read fails or
    // the stream ends; messages already received come out of an aborted stream first.
    const connection = new Connection(target());
    const pubsub = new PubsubClient(connection);
    const api = new ApiClient(connection);
    for await (const _ of pubsub.subscribe("fast-warmup")) break; // open the session first
    const timersBefore = activeTimeouts();
    // Read a while (so that reads return many messages per network chunk), then leave.
    const leaveAfter = async (stream: AsyncIterable<unknown>, count: number) => {
      let n = 0;
      for await (const _ of stream) {
        await delay(1);
        if (++n === count) break;
      }
    };
    for (let round = 0; round < 5; round++) {
      await leaveAfter(pubsub.subscribe(`burst-direct-${round}`), 50 + round * 20);
      await leaveAfter(api.pubsub.subscribe(`burst-platform-${round}`), 50 + round * 20);
    }
    expect(connection.inflight).toBe(0);
    expect(await timersSettle(timersBefore)).toBeLessThanOrEqual(timersBefore);
    await connection.close();
  });

  it("closing the connection settles every call in flight with Canceled", async () => {
    const connection = new Connection(target());
    const wm = new WorkManagerClient(connection);
    const pubsub = new PubsubClient(connection);
    const unary = Array.from({ length: 10 }, () => caught(wm.startWorker("w")));
    const stream = caught(
      (async () => {
        for await (const _ of pubsub.subscribe("slow-close")) {
          // the first event arrives, then nothing
        }
      })(),
    );
    await expect.poll(() => connection.inflight).toBe(11);
    await connection.close();
    for (const outcome of await Promise.all([...unary, stream])) expectCanceled(outcome);
    expect(connection.inflight).toBe(0);
  });
});

describe("cancelling platform calls against the emulator", () => {
  let fx: EmulatorFixture;
  beforeAll(async () => {
    fx = await startFixture();
  });
  afterAll(() => fx.close());

  it("an aborted subscription ends its loop quietly (documented) and the server drops the stream", async () => {
    const controller = new AbortController();
    const events = await fx.api.pubsub.subscribeReady("cancel-sub", { signal: controller.signal });
    expect(fx.emulator.activeSubscriptions()).toBe(1);
    const loop = (async () => {
      let count = 0;
      for await (const _ of events) count++;
      return count;
    })();
    await fx.api.pubsub.publish("cancel-sub", { n: 1 });
    await delay(50);
    controller.abort();
    expect(await loop).toBe(1);
    await expect.poll(() => fx.emulator.activeSubscriptions(), { timeout: 2_000 }).toBe(0);
    expect(fx.api.connection.inflight).toBe(0);
  });

  it("subscriptions sharing a long-lived signal leave no listener on it once they end", async () => {
    // An application's shutdown signal, passed to every subscription it opens over its lifetime.
    const shutdown = new AbortController();
    for (let i = 0; i < 20; i++) {
      const events =
        i % 2
          ? await fx.api.pubsub.subscribeReady("shared-signal", { signal: shutdown.signal })
          : fx.api.pubsub.subscribe("shared-signal", { signal: shutdown.signal });
      let read = false;
      const reading = (async () => {
        for await (const _ of events) break;
        read = true;
      })();
      // A plain subscribe may not be registered yet: publish until the event gets through.
      for (let tries = 0; !read && tries < 100; tries++) {
        await fx.api.pubsub.publish("shared-signal", { i });
        await delay(20);
      }
      await reading;
    }
    expect(getEventListeners(shutdown.signal, "abort")).toHaveLength(0);
    await expect.poll(() => fx.emulator.activeSubscriptions(), { timeout: 2_000 }).toBe(0);
  });

  it("aborted request-replies settle with Canceled, before and after the reply subscription is live", async () => {
    const router = fx.api.pubsub.replyRouter("cancel-replies");
    // A request settled while the subscription comes up once left a rejected promise without a
    // handler: an unhandled rejection, which crashes a Node process by default.
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    onTestFinished(() => void process.off("unhandledRejection", onUnhandled));
    // Already aborted: rejected at once.
    expectCanceled(
      await caught(
        fx.api.pubsub.publishWithResult({ topic: "nobody", replyTopic: "cancel-replies", signal: AbortSignal.abort() }),
      ),
    );
    // Aborted while the shared subscription is still coming up, and while waiting for the reply.
    const early = new AbortController();
    const late = new AbortController();
    const first = caught(
      fx.api.pubsub.publishWithResult({ topic: "nobody", replyTopic: "cancel-replies", signal: early.signal }),
    );
    early.abort();
    expectCanceled(await first); // at once, without waiting for the subscription to come up
    const second = caught(
      fx.api.pubsub.publishWithResult({ topic: "nobody", replyTopic: "cancel-replies", signal: late.signal }),
    );
    await delay(300);
    expect(router.pending).toBe(1);
    late.abort();
    expectCanceled(await second);
    expect(router.pending).toBe(0);
    expect(getEventListeners(late.signal, "abort")).toHaveLength(0);
    await delay(50);
    expect(unhandled).toEqual([]);
  });

  it("closing the platform client settles pending request-replies with Canceled and ends their subscription", async () => {
    // Other tests' reply routers may linger on the emulator: count from what is open now.
    const baseline = fx.emulator.activeSubscriptions();
    const api = new ApiClient({ host: "127.0.0.1", port: fx.emulator.addresses.gateway.port });
    const router = api.pubsub.replyRouter("close-replies");
    const pending = Array.from({ length: 20 }, () =>
      caught(api.pubsub.publishWithResult({ topic: "nobody", replyTopic: "close-replies" })),
    );
    await expect.poll(() => fx.emulator.activeSubscriptions(), { timeout: 5_000 }).toBe(baseline + 1);
    await delay(100);
    await api.close();
    for (const outcome of await Promise.all(pending)) expectCanceled(outcome);
    expect(router.pending).toBe(0);
    expect(api.connection.inflight).toBe(0);
    await expect.poll(() => fx.emulator.activeSubscriptions(), { timeout: 2_000 }).toBe(baseline);
  });
});
