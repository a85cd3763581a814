import { describe, expect, it } from "vitest";
import { MessageHandlerError, QueueClosedError, QueueFullError } from "../../runtime/workers/errors.js";
import { QueueConsumerWorker } from "../../runtime/workers/queue-consumer-worker.js";
import { QueueConsumer } from "../../runtime/workers/queue-consumer.js";
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
    const worker = new Collector({ capacity: 4 });
    expect(worker.trySend("before start")).toBe(true); // buffered until started
    expect(worker.queueSize()).toBe(1);
    await worker.startup();
    await worker.send("a");
    await sleep(10);
    expect(seen).toEqual(["before start", "a"]);
    const { ms } = await timed(() => worker.shutdown());
    expect(ms).toBeLessThan(200); // not the 10 s timeout
    expect(worker.status()).toMatchObject({ state: "stopped", queueSize: 0, capacity: 4 });
    expect(worker.trySend("late")).toBe(false);
    await expect(worker.send("late")).rejects.toBeInstanceOf(QueueClosedError);
  });

  it("resolves getMessage with undefined after its timeout", async () => {
    class Idle extends QueueConsumer<number> {
      protected async run(signal: AbortSignal): Promise<void> {
        await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
      }
    }
    const worker = new Idle();
    const { ms, value } = await timed(() => worker.getMessage(30));
    expect(value).toBeUndefined();
    expect(ms).toBeGreaterThanOrEqual(25);
  });
});

describe("QueueConsumerWorker", () => {
  it("handles every message, one at a time and in order by default", async () => {
    const seen: number[] = [];
    let active = 0;
    let maxActive = 0;
    const worker = new QueueConsumerWorker<number>(async (n) => {
      active += 1;
      maxActive = Math.max(maxActive, active);
      await sleep(1);
      seen.push(n);
      active -= 1;
    });
    await worker.startup();
    for (let i = 0; i < 20; i++) await worker.send(i);
    await worker.shutdown();
    expect(seen).toEqual([...Array(20).keys()]);
    expect(maxActive).toBe(1);
    expect(worker.status()).toMatchObject({ processed: 20, inFlight: 0, concurrency: 1, handlerErrors: 0 });
  });

  it("enforces the concurrency limit (and uses it)", async () => {
    let active = 0;
    let maxActive = 0;
    const worker = new QueueConsumerWorker<number>(
      async () => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        await sleep(15);
        active -= 1;
      },
      { concurrency: 3, capacity: 50 },
    );
    await worker.startup();
    for (let i = 0; i < 30; i++) expect(worker.trySend(i)).toBe(true);
    await sleep(5);
    expect(worker.status().inFlight).toBe(3);
    const { ms } = await timed(() => worker.shutdown());
    expect(maxActive).toBe(3);
    expect(worker.status().processed).toBe(30);
    // 30 messages of ~15 ms, 3 at a time: about 10 rounds, far less than 30 sequential ones.
    expect(ms).toBeLessThan(30 * 15);
  });

  it("bounds the inbox: trySend refuses when full, send waits for room or times out", async () => {
    const gate = deferred();
    const worker = new QueueConsumerWorker<number>(() => gate.promise, { capacity: 2 });
    await worker.startup();
    expect(worker.trySend(1)).toBe(true); // taken by the (blocked) handler
    await sleep(5);
    expect(worker.trySend(2)).toBe(true);
    expect(worker.trySend(3)).toBe(true);
    expect(worker.trySend(4)).toBe(false); // full: 2 waiting + 1 in flight
    await expect(worker.send(4, { timeoutMs: 20 })).rejects.toBeInstanceOf(QueueFullError);
    const waiting = worker.send(4);
    gate.resolve();
    await waiting; // room was made
    await worker.shutdown();
    expect(worker.status().processed).toBe(4);
  });

  it("drains the inbox on a graceful stop by default, refusing new messages", async () => {
    const seen: number[] = [];
    const worker = new QueueConsumerWorker<number>(async (n) => {
      await sleep(2);
      seen.push(n);
    });
    for (let i = 0; i < 10; i++) worker.trySend(i);
    await worker.startup();
    worker.gracefullyStop();
    expect(worker.trySend(99)).toBe(false);
    await worker.waitForShutdown();
    expect(seen).toEqual([...Array(10).keys()]);
    expect(worker.drain()).toEqual([]);
  });

  it("abandons the inbox on stop in abandon mode, giving every message back through drain()", async () => {
    const seen: number[] = [];
    const gate = deferred();
    const bothStarted = deferred();
    let started = 0;
    const worker = new QueueConsumerWorker<number>(
      async (n) => {
        if (++started === 2) bothStarted.resolve();
        await gate.promise;
        seen.push(n);
      },
      { onStop: "abandon", concurrency: 2 },
    );
    for (let i = 0; i < 10; i++) worker.trySend(i);
    await worker.startup();
    await bothStarted.promise;
    worker.gracefullyStop();
    gate.resolve();
    await worker.waitForShutdown();
    const left = worker.drain();
    expect(seen).toEqual([0, 1]); // the two in flight finished
    expect(left).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(started).toBe(2);
  });

  it("gives back messages interrupted by a cancellation and those never taken", async () => {
    const worker = new QueueConsumerWorker<string>(
      (_message, signal) =>
        new Promise<void>((_, reject) =>
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- an abort rejects with the signal's reason, as the platform's APIs do
          signal.addEventListener("abort", () => reject(signal.reason), { once: true }),
        ),
      { concurrency: 2 },
    );
    for (const m of ["a", "b", "c", "d"]) worker.trySend(m);
    await worker.startup();
    await sleep(5);
    worker.gracefullyStop(); // drain mode: would wait for the handlers forever
    await sleep(10);
    expect(worker.state).toBe("stopping");
    worker.cancel();
    await worker.waitForShutdown(); // interrupted handlers are not failures
    expect(worker.drain()).toEqual(["a", "b", "c", "d"]);
    expect(worker.status()).toMatchObject({ processed: 0, handlerErrors: 0, state: "stopped" });
  });

  it("fails on a handler error, carrying the message, and keeps the rest for drain()", async () => {
    const worker = new QueueConsumerWorker<number>(async (n) => {
      if (n === 2) throw new Error("bad message");
    });
    for (let i = 0; i < 5; i++) worker.trySend(i);
    await worker.startup();
    const error = await worker.waitForShutdown().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MessageHandlerError);
    expect((error as MessageHandlerError<number>).data).toBe(2);
    expect((error as Error).cause).toEqual(new Error("bad message"));
    expect(worker.drain()).toEqual([3, 4]);
    expect(worker.status()).toMatchObject({
      processed: 2,
      handlerErrors: 1,
      error: "queue-consumer-worker: onMessage failed: bad message",
    });
  });

  it("reports handler errors to onError and goes on when one is given", async () => {
    const failed: number[] = [];
    const worker = new QueueConsumerWorker<number>(
      (n) => {
        if (n % 2 === 1) throw new Error(`odd ${n}`);
      },
      { onError: (error) => void failed.push(error.data) },
    );
    for (let i = 0; i < 6; i++) worker.trySend(i);
    await worker.startup();
    await worker.shutdown();
    expect(failed).toEqual([1, 3, 5]);
    expect(worker.status()).toMatchObject({ processed: 3, handlerErrors: 3 });
    expect(worker.failed).toBe(false);
  });

  it("loses no message when producers race a stop", async () => {
    const handled: number[] = [];
    const worker = new QueueConsumerWorker<number>(
      async (n) => {
        await sleep(1);
        handled.push(n);
        if (handled.length === 10) worker.gracefullyStop();
      },
      { capacity: 5, concurrency: 2, onStop: "abandon" },
    );
    await worker.startup();
    const refused: number[] = [];
    const sends = Array.from({ length: 40 }, (_, n) => worker.send(n).catch(() => refused.push(n)));
    await worker.waitForShutdown();
    await Promise.all(sends);
    const left = worker.drain();
    const all = [...handled, ...left, ...refused].sort((a, b) => a - b);
    expect(all).toEqual([...Array(40).keys()]); // each message handled, given back, or refused to its sender
    expect(handled.length).toBeGreaterThanOrEqual(10);
    expect(refused.length).toBeGreaterThan(0);
  });

  it("rejects a bad concurrency", () => {
    expect(() => new QueueConsumerWorker(() => {}, { concurrency: 0 })).toThrow(VirtufinError);
  });
});
