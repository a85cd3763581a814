/**
 * A runner with an inbox: a bounded queue that producers `send` messages into and that the
 * runner's `run` takes them from.
 */
import { BoundedQueue, type QueueWaitOptions } from "./bounded-queue.js";
import { Runner } from "./runner.js";
import type { RunnerOptions, LifecycleStatus } from "./types.js";

/** Default inbox capacity of a queue consumer. */
export const DEFAULT_QUEUE_CAPACITY = 1_000;

/** Options of a {@link QueueConsumer}. */
export interface QueueConsumerOptions extends RunnerOptions {
  /** The most messages waiting in the inbox (default {@link DEFAULT_QUEUE_CAPACITY}). */
  capacity?: number;
}

/** The status of a queue consumer: the base status plus its inbox. */
export interface QueueConsumerStatus extends LifecycleStatus {
  /** Messages waiting in the inbox. */
  readonly queueSize: number;
  /** The inbox capacity. */
  readonly capacity: number;
}

/**
 * A runner that receives messages but leaves consuming them to its `run` (seed: aio-fluid's
 * `QueueConsumer`). Its inbox is bounded:
 *
 * - `trySend(message)` returns `false` when the inbox is full or the runner is stopping/stopped;
 * - `send(message, { timeoutMs, signal })` waits for room, and rejects with `QueueFullError` on
 *   timeout or `QueueClosedError` once the runner stops — in both cases the message was NOT taken.
 *
 * Messages may be sent before `startup()`; they wait in the inbox. From the moment the runner is
 * asked to stop the inbox accepts nothing more; messages still in it are returned by `drain()`.
 * `undefined` cannot be sent (it means "no message").
 */
export abstract class QueueConsumer<T> extends Runner {
  readonly #queue: BoundedQueue<T>;

  /** @param options name, logger and inbox capacity */
  constructor(options: QueueConsumerOptions = {}) {
    super(options);
    this.#queue = new BoundedQueue<T>(options.capacity ?? DEFAULT_QUEUE_CAPACITY);
    this.stopSignal.addEventListener("abort", () => this.#queue.close(`${this.name} is not accepting messages`), {
      once: true,
    });
  }

  /** The inbox capacity. */
  get capacity(): number {
    return this.#queue.capacity;
  }

  /** Puts `message` in the inbox if there is room and the runner accepts messages; says whether it did. */
  trySend(message: T): boolean {
    return this.#queue.tryPut(message);
  }

  /**
   * Puts `message` in the inbox, waiting for room when it is full.
   *
   * @throws QueueFullError when `timeoutMs` elapses first (the message was not taken)
   * @throws QueueClosedError when the runner stops first (the message was not taken)
   */
  send(message: T, options?: QueueWaitOptions): Promise<void> {
    return this.#queue.put(message, options);
  }

  /**
   * Takes the next message (seed: `get_message(timeout=0.5)`), waiting at most `timeoutMs`.
   * Resolves `undefined` on timeout, when `signal` aborts, or once the runner is stopping and
   * the inbox is empty — at once, without waiting out the timeout.
   */
  getMessage(timeoutMs = 500, signal?: AbortSignal): Promise<T | undefined> {
    const options: QueueWaitOptions = { timeoutMs };
    if (signal) options.signal = signal;
    return this.#queue.get(options);
  }

  /** How many messages wait in the inbox (seed: `queue_size()`). */
  queueSize(): number {
    return this.#queue.size;
  }

  /**
   * Removes and returns the messages still in the inbox, oldest first: after a stop, these are the
   * messages that were accepted but never consumed.
   */
  drain(): T[] {
    return this.#queue.drain();
  }

  /** The base status plus the inbox size and capacity. */
  override status(): QueueConsumerStatus {
    return { ...super.status(), queueSize: this.#queue.size, capacity: this.#queue.capacity };
  }

  /** The inbox itself, for subclasses that wait on it directly. */
  protected get queue(): BoundedQueue<T> {
    return this.#queue;
  }
}
