/**
 * A FIFO queue with a fixed capacity, for async producers and consumers: no polling, every wait
 * is a promise woken by the event it waits for, every timer is cleared and every abort listener
 * removed when the wait ends.
 */
import { QueueClosedError, QueueFullError } from "./errors.js";
import { invalidArgument } from "../errors.js";

/** How long, and until what, a `put` or `get` may wait. */
export interface QueueWaitOptions {
  /** Give up after this many milliseconds (default: wait as long as needed). */
  timeoutMs?: number;
  /** Give up when this signal aborts. */
  signal?: AbortSignal;
}

interface PendingPut<T> {
  readonly item: T;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * A bounded FIFO queue. `tryPut` refuses when full; `put` waits for room; `get` waits for an
 * item. `close()` stops accepting items (pending `put`s reject with {@link QueueClosedError}) while
 * the items already queued can still be taken or drained: nothing accepted is ever dropped.
 *
 * `undefined` is not a valid item: `get` uses it to say "nothing".
 */
export class BoundedQueue<T> {
  /** The most items the queue holds. */
  readonly capacity: number;
  readonly #items: T[] = [];
  readonly #getters: ((item: T | undefined) => void)[] = [];
  readonly #putters: PendingPut<T>[] = [];
  #closed = false;

  /** @param capacity the most items held at once, a positive integer */
  constructor(capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw invalidArgument(`queue capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
  }

  /** How many items are queued (not counting `put`s waiting for room). */
  get size(): number {
    return this.#items.length;
  }

  /** How many `put` calls are waiting for room. */
  get waitingPuts(): number {
    return this.#putters.length;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Adds `item` if there is room and the queue is open; returns whether it was added. */
  tryPut(item: T): boolean {
    checkItem(item);
    if (this.#closed || this.#items.length >= this.capacity) return false;
    this.#accept(item);
    return true;
  }

  /**
   * Adds `item`, waiting for room if the queue is full. Waiting puts are served in order.
   *
   * @throws QueueClosedError if the queue is or gets closed first (the item was not added)
   * @throws QueueFullError if `timeoutMs` elapses first; the signal's reason if it aborts first
   */
  put(item: T, options: QueueWaitOptions = {}): Promise<void> {
    checkItem(item);
    if (this.#closed) return Promise.reject(new QueueClosedError("the queue is closed"));
    if (this.#items.length < this.capacity) {
      this.#accept(item);
      return Promise.resolve();
    }
    const { signal, timeoutMs } = options;
    if (signal?.aborted) return Promise.reject(signal.reason); // eslint-disable-line @typescript-eslint/prefer-promise-reject-errors -- an abort rejects with the signal's reason, as the platform's APIs do
    return new Promise<void>((resolve, reject) => {
      const end = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      const pending: PendingPut<T> = {
        item,
        resolve: () => {
          end();
          resolve();
        },
        reject: (error) => {
          end();
          reject(error); // eslint-disable-line @typescript-eslint/prefer-promise-reject-errors -- passes on the reason given (a QueueClosedError, a timeout, the signal's reason)
        },
      };
      const giveUp = (error: unknown): void => {
        const index = this.#putters.indexOf(pending);
        if (index >= 0) this.#putters.splice(index, 1);
        pending.reject(error);
      };
      const onAbort = (): void => giveUp(signal?.reason);
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(
              () => giveUp(new QueueFullError(`the queue stayed full (${this.capacity} items) for ${timeoutMs} ms`)),
              Math.max(0, timeoutMs),
            );
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#putters.push(pending);
    });
  }

  /**
   * Takes the oldest item, waiting for one if the queue is empty. Resolves `undefined` when the
   * wait times out, when the signal aborts, or when the queue is closed and empty.
   */
  get(options: QueueWaitOptions = {}): Promise<T | undefined> {
    if (this.#items.length > 0) return Promise.resolve(this.#take());
    const { signal, timeoutMs } = options;
    if (this.#closed || signal?.aborted || timeoutMs === 0) return Promise.resolve(undefined);
    return new Promise<T | undefined>((resolve) => {
      const getter = (item: T | undefined): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", giveUp);
        resolve(item);
      };
      const giveUp = (): void => {
        const index = this.#getters.indexOf(getter);
        if (index >= 0) this.#getters.splice(index, 1);
        getter(undefined);
      };
      const timer = timeoutMs === undefined ? undefined : setTimeout(giveUp, Math.max(0, timeoutMs));
      signal?.addEventListener("abort", giveUp, { once: true });
      this.#getters.push(getter);
    });
  }

  /**
   * Removes and returns every queued item, oldest first. Waiting `put`s then fill the freed room
   * (unless the queue is closed, in which case they were already rejected).
   */
  drain(): T[] {
    const items = this.#items.splice(0, this.#items.length);
    this.#admitWaitingPuts();
    return items;
  }

  /**
   * Stops accepting items: waiting `put`s reject with {@link QueueClosedError}, waiting `get`s
   * resolve `undefined`. Queued items stay, to be taken or drained. Idempotent.
   */
  close(reason = "the queue is closed"): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const pending of this.#putters.splice(0, this.#putters.length)) {
      pending.reject(new QueueClosedError(reason));
    }
    for (const getter of this.#getters.splice(0, this.#getters.length)) getter(undefined);
  }

  /** Hands the item to a waiting getter, or queues it. */
  #accept(item: T): void {
    const getter = this.#getters.shift();
    if (getter) getter(item);
    else this.#items.push(item);
  }

  #take(): T {
    const item = this.#items.shift() as T;
    this.#admitWaitingPuts();
    return item;
  }

  #admitWaitingPuts(): void {
    while (this.#items.length < this.capacity && this.#putters.length > 0) {
      const pending = this.#putters.shift() as PendingPut<T>;
      this.#accept(pending.item);
      pending.resolve();
    }
  }
}

function checkItem(item: unknown): void {
  if (item === undefined) throw invalidArgument("undefined cannot be queued: it means 'no message'");
}
