import { describe, expect, it } from "vitest";
import { MessageHandlerError, QueueClosedError, QueueFullError } from "../../runtime/runners/errors.js";
import { QueueConsumerRunner } from "../../runtime/runners/queue-consumer-runner.js";
import { QueueConsumer } from "../../runtime/runners/queue-consumer.js";
import { sleep } from "../../runtime/sleep.js";
import { deferred, timed } from "./helpers.js";
import { VirtufinError } from "../../runtime/errors.js";

describe("QueueConsumer", () => {
  it("lets a subclass consume with getMessage, which returns at once when stopping", async () => {
    const seen: string[] = [];
    class Collector extends QueueConsumer<string> {
      protected async run(): Promise<void> {
        while (this.isRunning()) {
          const message = await this.getMessage(10_000);
          if (message !== undefined) seen.push(message);
        }
      }
    }
    const runner = new Collector({ capacity: 4 });
    expect(runner.trySend("before start")).toBe(true); // buffered until started
    expect(runner.queueSize()).toBe(1);
    await runner.startup();
    await runner.send("a");
    await sleep(10);
    expect(seen).toEqual(["before start", "a"]);
    const { ms } = await timed(() => runner.shutdown());
    expect(ms).toBeLessThan(200); // not the 10 s timeout
    expect(runner.status()).toMatchObject({ state: "stopped", queueSize: 0, capacity: 4 });
    expect(runner.trySend("late")).toBe(false);
    await expect(runner.send("late")).rejects.toBeInstanceOf(QueueClosedError);
  });

  it("resolves getMessage with undefined after its timeout", async () => {
    class Idle extends QueueConsumer<number> {
      protected async run(signal: AbortSignal): Promise<void> {
        await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
      }
    }
    const runner = new Idle();
    const { ms, value } = await timed(() => runner.getMessage(30));
    expect(value).toBeUndefined();
    expect(ms).toBeGreaterThanOrEqual(25);
  });
});

describe("QueueConsumerRunner", () => {
  it("handles every message, one at a time and in order by default", async () => {
    const seen: number[] = [];
    let active = 0;
    let maxActive = 0;
    const runner = new QueueConsumerRunner<number>(async (n) => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      await sleep(1);
      seen.push(n);
      active -= 1;
    });
    await runner.startup();
    for (let i = 0; i < 20; i++) await runner.send(i);
    await runner.shutdown();
    expect(seen).toEqual([...Array(20).keys()]);
    expect(maxActive).toBe(1);
    expect(runner.status()).toMatchObject({ processed: 20, inFlight: 0, concurrency: 1, handlerErrors: 0 });
  });

  it("enforces the concurrency limit (and uses it)", async () => {
    let active = 0;
    let maxActive = 0;
    const runner = new QueueConsumerRunner<number>(
      async () => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        await sleep(15);
        active -= 1;
      },
      { concurrency: 3, capacity: 50 },
    );
    await runner.startup();
    for (let i = 0; i < 30; i++) expect(runner.trySend(i)).toBe(true);
    await sleep(5);
    expect(runner.status().inFlight).toBe(3);
    const { ms } = await timed(() => runner.shutdown());
    expect(maxActive).toBe(3);
    expect(runner.status().processed).toBe(30);
    // 30 messages of ~15 ms, 3 at a time: about 10 rounds, far less than 30 sequential ones.
    expect(ms).toBeLessThan(30 * 15);
  });

  it("bounds the inbox: trySend refuses when full, send waits for room or times out", async () => {
    const gate = deferred();
    const runner = new QueueConsumerRunner<number>(() => gate.promise, { capacity: 2 });
    await runner.startup();
    expect(runner.trySend(1)).toBe(true); // taken by the (blocked) handler
    await sleep(5);
    expect(runner.trySend(2)).toBe(true);
    expect(runner.trySend(3)).toBe(true);
    expect(runner.trySend(4)).toBe(false); // full: 2 waiting + 1 in flight
    await expect(runner.send(4, { timeoutMs: 20 })).rejects.toBeInstanceOf(QueueFullError);
    const waiting = runner.send(4);
    gate.resolve();
    await waiting; // room was made
    await runner.shutdown();
    expect(runner.status().processed).toBe(4);
  });

  it("drains the inbox on a graceful stop by default, refusing new messages", async () => {
    const seen: number[] = [];
    const runner = new QueueConsumerRunner<number>(async (n) => {
      await sleep(2);
      seen.push(n);
    });
    for (let i = 0; i < 10; i++) runner.trySend(i);
    await runner.startup();
    runner.gracefullyStop();
    expect(runner.trySend(99)).toBe(false);
    await runner.waitForShutdown();
    expect(seen).toEqual([...Array(10).keys()]);
    expect(runner.drain()).toEqual([]);
  });

  it("abandons the inbox on stop in abandon mode, giving every message back through drain()", async () => {
    const seen: number[] = [];
    const gate = deferred();
    const bothStarted = deferred();
    let started = 0;
    const runner = new QueueConsumerRunner<number>(
      async (n) => {
        if (++started === 2) bothStarted.resolve();
        await gate.promise;
        seen.push(n);
      },
      { onStop: "abandon", concurrency: 2 },
    );
    for (let i = 0; i < 10; i++) runner.trySend(i);
    await runner.startup();
    await bothStarted.promise;
    runner.gracefullyStop();
    gate.resolve();
    await runner.waitForShutdown();
    const left = runner.drain();
    expect(seen).toEqual([0, 1]); // the two in flight finished
    expect(left).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(started).toBe(2);
  });

  it("gives back messages interrupted by a cancellation and those never taken", async () => {
    const runner = new QueueConsumerRunner<string>(
      (_message, signal) =>
        new Promise<void>((_, reject) =>
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- an abort rejects with the signal's reason, as the platform's APIs do
          signal.addEventListener("abort", () => reject(signal.reason), { once: true }),
        ),
      { concurrency: 2 },
    );
    for (const m of ["a", "b", "c", "d"]) runner.trySend(m);
    await runner.startup();
    await sleep(5);
    runner.gracefullyStop(); // drain mode: would wait for the handlers forever
    await sleep(10);
    expect(runner.state).toBe("stopping");
    runner.cancel();
    await runner.waitForShutdown(); // interrupted handlers are not failures
    expect(runner.drain()).toEqual(["a", "b", "c", "d"]);
    expect(runner.status()).toMatchObject({ processed: 0, handlerErrors: 0, state: "stopped" });
  });

  it("fails on a handler error, carrying the message, and keeps the rest for drain()", async () => {
    const runner = new QueueConsumerRunner<number>(async (n) => {
      if (n === 2) throw new Error("bad message");
    });
    for (let i = 0; i < 5; i++) runner.trySend(i);
    await runner.startup();
    const error = await runner.waitForShutdown().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MessageHandlerError);
    expect((error as MessageHandlerError<number>).data).toBe(2);
    expect((error as Error).cause).toEqual(new Error("bad message"));
    expect(runner.drain()).toEqual([3, 4]);
    expect(runner.status()).toMatchObject({
      processed: 2,
      handlerErrors: 1,
      error: "queue-consumer-runner: onMessage failed: bad message",
    });
  });

  it("reports handler errors to onError and goes on when one is given", async () => {
    const failed: number[] = [];
    const runner = new QueueConsumerRunner<number>(
      (n) => {
        if (n % 2 === 1) throw new Error(`odd ${n}`);
      },
      { onError: (error) => void failed.push(error.data) },
    );
    for (let i = 0; i < 6; i++) runner.trySend(i);
    await runner.startup();
    await runner.shutdown();
    expect(failed).toEqual([1, 3, 5]);
    expect(runner.status()).toMatchObject({ processed: 3, handlerErrors: 3 });
    expect(runner.failed).toBe(false);
  });

  it("loses no message when producers race a stop", async () => {
    const handled: number[] = [];
    const runner = new QueueConsumerRunner<number>(
      async (n) => {
        await sleep(1);
        handled.push(n);
        if (handled.length === 10) runner.gracefullyStop();
      },
      { capacity: 5, concurrency: 2, onStop: "abandon" },
    );
    await runner.startup();
    const refused: number[] = [];
    const sends = Array.from({ length: 40 }, (_, n) => runner.send(n).catch(() => refused.push(n)));
    await runner.waitForShutdown();
    await Promise.all(sends);
    const left = runner.drain();
    const all = [...handled, ...left, ...refused].sort((a, b) => a - b);
    expect(all).toEqual([...Array(40).keys()]); // each message handled, given back, or refused to its sender
    expect(handled.length).toBeGreaterThanOrEqual(10);
    expect(refused.length).toBeGreaterThan(0);
  });

  it("rejects a bad concurrency", () => {
    expect(() => new QueueConsumerRunner(() => {}, { concurrency: 0 })).toThrow(VirtufinError);
  });
});
