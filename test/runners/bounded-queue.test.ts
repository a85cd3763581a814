import { describe, expect, it } from "vitest";
import { BoundedQueue } from "../../runtime/runners/bounded-queue.js";
import { QueueClosedError, QueueFullError } from "../../runtime/runners/errors.js";
import { timed } from "./helpers.js";
import { VirtufinError } from "../../runtime/errors.js";

describe("BoundedQueue", () => {
  it("refuses trySend when full and accepts again once there is room", async () => {
    const queue = new BoundedQueue<number>(2);
    expect(queue.tryPut(1)).toBe(true);
    expect(queue.tryPut(2)).toBe(true);
    expect(queue.tryPut(3)).toBe(false);
    expect(queue.size).toBe(2);
    expect(await queue.get()).toBe(1);
    expect(queue.tryPut(3)).toBe(true);
    expect(queue.drain()).toEqual([2, 3]);
  });

  it("makes put wait for room, serving waiting puts in order", async () => {
    const queue = new BoundedQueue<string>(1);
    await queue.put("a");
    const order: string[] = [];
    const b = queue.put("b").then(() => order.push("b"));
    const c = queue.put("c").then(() => order.push("c"));
    expect(queue.waitingPuts).toBe(2);
    expect(queue.tryPut("jump")).toBe(false); // cannot overtake waiting puts
    expect(await queue.get()).toBe("a");
    expect(await queue.get()).toBe("b");
    expect(await queue.get()).toBe("c");
    await Promise.all([b, c]);
    expect(order).toEqual(["b", "c"]);
  });

  it("rejects put with QueueFullError after timeoutMs, without adding the item", async () => {
    const queue = new BoundedQueue<number>(1);
    queue.tryPut(1);
    const { ms, value } = await timed(() => queue.put(2, { timeoutMs: 50 }).catch((e: unknown) => e));
    expect(value).toBeInstanceOf(QueueFullError);
    expect(ms).toBeGreaterThanOrEqual(40);
    expect(queue.waitingPuts).toBe(0);
    expect(queue.drain()).toEqual([1]);
  });

  it("rejects put with the signal's reason on abort", async () => {
    const queue = new BoundedQueue<number>(1);
    queue.tryPut(1);
    const controller = new AbortController();
    const put = queue.put(2, { signal: controller.signal });
    controller.abort(new Error("gave up"));
    await expect(put).rejects.toThrow("gave up");
    expect(queue.waitingPuts).toBe(0);
  });

  it("hands an item straight to a waiting get, and times gets out with undefined", async () => {
    const queue = new BoundedQueue<number>(1);
    const waiting = queue.get();
    expect(queue.tryPut(7)).toBe(true);
    expect(await waiting).toBe(7);
    expect(queue.size).toBe(0);
    const { ms, value } = await timed(() => queue.get({ timeoutMs: 30 }));
    expect(value).toBeUndefined();
    expect(ms).toBeGreaterThanOrEqual(25);
  });

  it("on close rejects waiting puts, wakes waiting gets, and keeps queued items", async () => {
    const full = new BoundedQueue<number>(1);
    full.tryPut(1);
    const put = full.put(2);
    full.close();
    await expect(put).rejects.toBeInstanceOf(QueueClosedError);
    expect(full.tryPut(3)).toBe(false);
    await expect(full.put(3)).rejects.toBeInstanceOf(QueueClosedError);
    expect(await full.get({ timeoutMs: 1_000 })).toBe(1); // queued items survive the close
    const { ms, value } = await timed(() => full.get({ timeoutMs: 1_000 }));
    expect(value).toBeUndefined(); // closed and empty: at once
    expect(ms).toBeLessThan(100);

    const empty = new BoundedQueue<number>(1);
    const get = empty.get();
    empty.close();
    expect(await get).toBeUndefined();
  });

  it("rejects bad capacities and undefined items", () => {
    expect(() => new BoundedQueue(0)).toThrow(VirtufinError);
    expect(() => new BoundedQueue(Number.POSITIVE_INFINITY)).toThrow(VirtufinError);
    expect(() => new BoundedQueue<number | undefined>(1).tryPut(undefined)).toThrow(VirtufinError);
  });
});
