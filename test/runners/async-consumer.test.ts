// AsyncDispatcher and AsyncConsumer (aio-fluid's AsyncConsumer with a dispatcher): real runners,
// and a real subscription on the emulator consumed through the consumer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PubsubEvent } from "../../platform/pubsub/event.js";
import { AsyncConsumer } from "../../runtime/runners/async-consumer.js";
import { AsyncDispatcher, CallbackError } from "../../runtime/runners/async-dispatcher.js";
import { createRunner } from "../../runtime/runners/create-runner.js";
import { QueueClosedError } from "../../runtime/runners/errors.js";
import { sleep } from "../../runtime/sleep.js";
import { type RunnerLogger } from "../../runtime/runners/types.js";
import { Runners } from "../../runtime/runners/runners.js";
import { startFixture, type EmulatorFixture } from "../support/emulator.js";
import { deferred } from "./helpers.js";
import { VirtufinError } from "../../runtime/errors.js";

type Message = { readonly kind: string; readonly n: number };
const byKind = () => new AsyncDispatcher<Message>((m) => m.kind);

/** A logger that keeps what it is told. */
function recordingLogger(): RunnerLogger & { errors: string[] } {
  const errors: string[] = [];
  return { errors, info() {}, warn() {}, error: (message: string) => void errors.push(message) };
}

describe("AsyncDispatcher", () => {
  it("runs every callback of a message's type, concurrently; others' types untouched", async () => {
    const dispatcher = byKind();
    const log: string[] = [];
    const gate = deferred();
    dispatcher.register("a", async (m) => {
      await gate.promise; // the second callback runs while this one waits
      log.push(`a1:${m.n}`);
    });
    dispatcher.register("a", (m) => void log.push(`a2:${m.n}`));
    dispatcher.register("b", (m) => void log.push(`b:${m.n}`));
    const pending = dispatcher.dispatch({ kind: "a", n: 1 });
    await sleep(5);
    expect(log).toEqual(["a2:1"]);
    gate.resolve();
    expect(await pending).toEqual({ type: "a", handled: 2, failures: [] });
    expect(log).toEqual(["a2:1", "a1:1"]);
    expect(await dispatcher.dispatch({ kind: "none", n: 2 })).toEqual({ type: "none", handled: 0, failures: [] });
  });

  it("reports a failing callback without losing the others' work", async () => {
    const dispatcher = byKind();
    const done: string[] = [];
    dispatcher.register("x", async () => void done.push("first"), "first");
    dispatcher.register(
      "x",
      async () => {
        throw new Error("broken");
      },
      "broken",
    );
    dispatcher.register(
      "x",
      async () => {
        await sleep(10);
        done.push("slow");
      },
      "slow",
    );
    const result = await dispatcher.dispatch({ kind: "x", n: 1 });
    expect(done.sort()).toEqual(["first", "slow"]);
    expect(result.handled).toBe(3);
    expect(result.failures).toHaveLength(1);
    const [failure] = result.failures;
    expect(failure).toBeInstanceOf(CallbackError);
    expect([failure?.type, failure?.tag, failure?.data, (failure?.cause as Error).message]).toEqual([
      "x",
      "broken",
      { kind: "x", n: 1 },
      "broken",
    ]);
  });

  it("unregisters by tag, by function, all of a type, or through the function register returns", async () => {
    const dispatcher = byKind();
    const calls: string[] = [];
    const f = () => void calls.push("f");
    const off = dispatcher.register("t", () => void calls.push("g"), "g");
    dispatcher.register("t", f);
    dispatcher.register("t", f); // a second registration of the same function is its own
    dispatcher.register("t", () => void calls.push("h"), "h");
    expect(dispatcher.callbackCount("t")).toBe(4);
    expect(off()).toBe(true);
    expect(off()).toBe(false);
    expect(dispatcher.unregister("t", f)).toBe(2);
    await dispatcher.dispatch({ kind: "t", n: 0 });
    expect(calls).toEqual(["h"]);
    expect(dispatcher.unregister("t", "nope")).toBe(0);
    expect(dispatcher.unregister("t")).toBe(1);
    expect([dispatcher.callbackCount(), dispatcher.types()]).toEqual([0, []]);
    expect(() => dispatcher.register("t", undefined as never)).toThrow(VirtufinError);
  });
});

describe("AsyncConsumer", () => {
  it("has QueueConsumer's lifecycle, bounded inbox and status (queue size), dispatching each message", async () => {
    const dispatcher = byKind();
    const seen: number[] = [];
    const gate = deferred();
    dispatcher.register("n", async (m) => {
      await gate.promise;
      seen.push(m.n);
    });
    const consumer = new AsyncConsumer(dispatcher, { capacity: 2, name: "numbers" });
    expect(consumer.trySend({ kind: "n", n: 1 })).toBe(true); // buffered before start-up
    await consumer.startup();
    await sleep(5); // message 1 is taken and waits on the gate
    expect(consumer.trySend({ kind: "n", n: 2 })).toBe(true);
    expect(consumer.trySend({ kind: "n", n: 3 })).toBe(true);
    expect(consumer.trySend({ kind: "n", n: 4 })).toBe(false); // the inbox holds 2
    expect(consumer.status()).toMatchObject({
      name: "numbers",
      state: "running",
      queueSize: 2,
      capacity: 2,
      inFlight: 1,
      types: ["n"],
    });
    gate.resolve();
    await consumer.shutdown(); // drains what is queued by default
    expect(seen).toEqual([1, 2, 3]);
    expect(consumer.status()).toMatchObject({ state: "stopped", queueSize: 0, processed: 3, callbackErrors: 0, unhandled: 0 });
    await expect(consumer.send({ kind: "n", n: 5 })).rejects.toBeInstanceOf(QueueClosedError);
  });

  it("reports failing callbacks (onCallbackError or the logger) and keeps consuming; counts messages no callback wanted", async () => {
    const dispatcher = byKind();
    const good: number[] = [];
    dispatcher.register("m", (m) => void good.push(m.n), "good");
    dispatcher.register(
      "m",
      (m) => {
        if (m.n % 2 === 0) throw new Error(`even ${m.n}`);
      },
      "picky",
    );
    const reported: string[] = [];
    const consumer = new AsyncConsumer(dispatcher, {
      onCallbackError: (e) => void reported.push(`${e.tag}:${(e.cause as Error).message}`),
    });
    await consumer.startup();
    for (let n = 1; n <= 4; n++) await consumer.send({ kind: "m", n });
    await consumer.send({ kind: "other", n: 9 });
    await consumer.shutdown();
    expect(good).toEqual([1, 2, 3, 4]);
    expect(reported).toEqual(["picky:even 2", "picky:even 4"]);
    expect(consumer.failed).toBe(false);
    expect(consumer.status()).toMatchObject({ processed: 5, callbackErrors: 2, unhandled: 1 });

    const logger = recordingLogger();
    const logged = new AsyncConsumer(dispatcher, { logger, name: "logged" });
    await logged.startup();
    await logged.send({ kind: "m", n: 6 });
    await logged.shutdown();
    expect(logger.errors).toEqual([expect.stringMatching(/logged: callback "picky" for "m" failed: even 6/)]);
  });

  it("callbacks registered or unregistered while it runs apply to the next messages", async () => {
    const dispatcher = byKind();
    const seen: string[] = [];
    const consumer = new AsyncConsumer(dispatcher);
    await consumer.startup();
    await consumer.send({ kind: "late", n: 1 });
    await sleep(10);
    const off = dispatcher.register("late", (m) => void seen.push(`cb:${m.n}`));
    await consumer.send({ kind: "late", n: 2 });
    await sleep(10);
    off();
    await consumer.send({ kind: "late", n: 3 });
    await consumer.shutdown();
    expect(seen).toEqual(["cb:2"]);
    expect(consumer.status()).toMatchObject({ unhandled: 2 });
  });

  it("rejects a dispatcher that is not one", () => {
    expect(() => new AsyncConsumer({} as never)).toThrow(VirtufinError);
  });
});

describe("AsyncConsumer consuming a subscription on the emulator", () => {
  let fx: EmulatorFixture;
  beforeAll(async () => {
    fx = await startFixture();
  });
  afterAll(() => fx.close());

  it("dispatches events by CloudEvent type; a failing callback does not lose the others' events", async () => {
    const dispatcher = new AsyncDispatcher<PubsubEvent>((event) => event.type ?? "");
    const orders: unknown[] = [];
    const audit: string[] = [];
    dispatcher.register("order.created", (event) => void orders.push(event.dataAsJson()), "store");
    dispatcher.register(
      "order.created",
      (event) => {
        if (event.dataAsJson<{ id: number }>().id === 2) throw new Error("audit down");
        audit.push(event.messageId);
      },
      "audit",
    );
    const failures: string[] = [];
    const consumer = new AsyncConsumer(dispatcher, { capacity: 100, onCallbackError: (e) => void failures.push(e.tag) });
    const live = deferred();
    const subscriber = createRunner(
      async (signal) => {
        // subscribeReady resolves once the server has registered the subscription: nothing is missed.
        const events = await fx.api.pubsub.subscribeReady("orders", { signal });
        live.resolve();
        for await (const event of events) await consumer.send(event);
      },
      { name: "orders-subscriber" },
    );
    const group = new Runners({ runners: [consumer, subscriber] });
    await group.startup();
    await live.promise;
    for (const id of [1, 2, 3]) await fx.api.pubsub.publish("orders", { id }, { type: "order.created" });
    await fx.api.pubsub.publish("orders", "not an order", { type: "note" });
    for (let i = 0; i < 100 && (orders.length < 3 || consumer.status().unhandled < 1); i++) await sleep(20);
    await group.shutdown();
    expect(orders).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(audit).toHaveLength(2);
    expect(failures).toEqual(["audit"]);
    expect(consumer.status()).toMatchObject({ state: "stopped", callbackErrors: 1 });
    expect(consumer.status().unhandled).toBeGreaterThanOrEqual(1); // the note (and any probe): no callback
  });
});
