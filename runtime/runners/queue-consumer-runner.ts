/**
 * A queue consumer that hands each message to a handler, several at a time up to a limit.
 */
import { MessageHandlerError, errorMessage } from "./errors.js";
import { QueueConsumer, type QueueConsumerOptions, type QueueConsumerStatus } from "./queue-consumer.js";
import { invalidArgument } from "../errors.js";

/**
 * Handles one message. `signal` aborts when the runner is cancelled (not on a graceful stop):
 * bind in-flight requests to it.
 */
export type MessageHandler<T> = (message: T, signal: AbortSignal) => void | Promise<void>;

/**
 * What a graceful stop does with the messages still in the inbox:
 * - `"drain"`: handle them all (no new ones are accepted), then stop;
 * - `"abandon"`: stop taking messages at once; the handlers in flight finish, and the rest stays
 *   in the inbox, returned by `drain()`.
 */
export type StopMode = "drain" | "abandon";

/** Options of a {@link QueueConsumerRunner}. */
export interface QueueConsumerRunnerOptions<T> extends QueueConsumerOptions {
  /** How many messages are handled at once (default 1: one after the other, in order). */
  concurrency?: number;
  /** What a graceful stop does with queued messages (default `"drain"`); see {@link StopMode}. */
  onStop?: StopMode;
  /**
   * Called when the handler throws. When given, the runner reports the failure there and goes on;
   * when omitted, a failing handler fails the runner: it stops taking messages, lets the handlers
   * in flight finish and ends with the {@link MessageHandlerError} (which carries the message).
   * If `onError` itself throws, the runner fails the same way.
   */
  onError?: (error: MessageHandlerError<T>) => void | Promise<void>;
}

/** The status of a {@link QueueConsumerRunner}. */
export interface QueueConsumerRunnerStatus extends QueueConsumerStatus {
  /** The concurrency limit. */
  readonly concurrency: number;
  /** Messages being handled right now. */
  readonly inFlight: number;
  /** Messages whose handler completed. */
  readonly processed: number;
  /** Messages whose handler threw. */
  readonly handlerErrors: number;
}

/**
 * Consumes its inbox with `onMessage`, at most `concurrency` messages at a time (seed: aio-fluid's
 * `QueueConsumerWorker`, which handled one at a time and polled its queue every 0.5 s; this one
 * waits on the queue, so a message is picked up at once and a stop is seen at once).
 *
 * No message is silently lost: every accepted message is either handled, carried by the
 * {@link MessageHandlerError} that failed the runner, or returned by `drain()` — the messages left
 * in the inbox (abandon mode, a failure, a cancellation) and those whose handler was interrupted
 * by a cancellation (so they may be handled again: at-least-once).
 *
 * @example
 * ```ts
 * const consumer = new QueueConsumerRunner<string>(async (text) => console.log(text), { concurrency: 4, capacity: 100 });
 * await consumer.startup();
 * consumer.trySend("hello");          // false if the inbox is full
 * await consumer.send("world");       // waits for room
 * await consumer.shutdown();          // handles what is queued ("drain"), then stops
 * ```
 */
export class QueueConsumerRunner<T> extends QueueConsumer<T> {
  /** The handler, as in the seed's `on_message`. */
  readonly onMessage: MessageHandler<T>;
  readonly #concurrency: number;
  readonly #stopMode: StopMode;
  readonly #onError: QueueConsumerRunnerOptions<T>["onError"];
  readonly #inFlight = new Set<Promise<void>>();
  readonly #stopTaking = new AbortController();
  readonly #returned: T[] = [];
  #fatal: MessageHandlerError<T> | undefined;
  #processed = 0;
  #handlerErrors = 0;

  /** @param onMessage handles one message; @param options concurrency, capacity, stop mode, error handler */
  constructor(onMessage: MessageHandler<T>, options: QueueConsumerRunnerOptions<T> = {}) {
    super(options);
    const concurrency = options.concurrency ?? 1;
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
      throw invalidArgument(`concurrency must be a positive integer, got ${concurrency}`);
    }
    this.onMessage = onMessage;
    this.#concurrency = concurrency;
    this.#stopMode = options.onStop ?? "drain";
    this.#onError = options.onError;
    if (this.#stopMode === "abandon") this.#stopTakingWhen(this.stopSignal);
    this.#stopTakingWhen(this.cancelSignal);
  }

  /** The concurrency limit. */
  get concurrency(): number {
    return this.#concurrency;
  }

  /**
   * Removes and returns the messages not handled: first those given back (their handler was
   * interrupted by a cancellation, or failed after the runner had already failed), then those
   * still in the inbox.
   */
  override drain(): T[] {
    return [...this.#returned.splice(0, this.#returned.length), ...super.drain()];
  }

  /** The queue consumer status plus concurrency, in-flight and processed counts. */
  override status(): QueueConsumerRunnerStatus {
    return {
      ...super.status(),
      concurrency: this.#concurrency,
      inFlight: this.#inFlight.size,
      processed: this.#processed,
      handlerErrors: this.#handlerErrors,
    };
  }

  /** Takes messages and handles them, `concurrency` at a time, until stopped (see {@link StopMode}). */
  protected override async run(): Promise<void> {
    const takeSignal = this.#stopTaking.signal;
    try {
      while (!takeSignal.aborted) {
        // Wait for a free slot: each handler promise settles (never rejects) when it is done.
        while (this.#inFlight.size >= this.#concurrency) await Promise.race(this.#inFlight);
        if (takeSignal.aborted) break;
        // Resolves undefined when told to stop taking, or once stopping with an empty inbox.
        const message = await this.queue.get({ signal: takeSignal });
        if (message === undefined) break;
        const task: Promise<void> = this.#handle(message).finally(() => this.#inFlight.delete(task));
        this.#inFlight.add(task);
      }
    } finally {
      await Promise.all(this.#inFlight);
    }
    const left = this.queueSize() + this.#returned.length;
    if (left > 0) this.logger.warn(`${this.name}: ${left} message(s) not handled; call drain() to get them back`);
    if (this.#fatal) throw this.#fatal;
  }

  /** Runs the handler for one message; never rejects (failures are recorded). */
  async #handle(message: T): Promise<void> {
    const signal = this.cancelSignal;
    try {
      await this.onMessage(message, signal);
      this.#processed += 1;
      return;
    } catch (cause) {
      if (signal.aborted) {
        // Interrupted by a cancellation: give the message back rather than count it as handled.
        this.#returned.push(message);
        return;
      }
      this.#handlerErrors += 1;
      const error = new MessageHandlerError(this.name, message, cause);
      if (!this.#onError) return this.#failWith(error);
      try {
        await this.#onError(error);
      } catch (onErrorFailure) {
        this.logger.error(`${this.name}: onError threw: ${errorMessage(onErrorFailure)}`, onErrorFailure);
        this.#failWith(error);
      }
    }
  }

  #failWith(error: MessageHandlerError<T>): void {
    if (this.#fatal) {
      // The runner already fails with an earlier error; keep this message so it is not lost.
      this.logger.error(error.message, error);
      this.#returned.push(error.data);
      return;
    }
    this.#fatal = error;
    this.#stopTaking.abort(error);
  }

  #stopTakingWhen(signal: AbortSignal): void {
    signal.addEventListener("abort", () => this.#stopTaking.abort(signal.reason), { once: true });
  }
}
