/**
 * A bounded queue between a pub/sub listener (push) and a streaming RPC handler (pull).
 *
 * The handler iterates the channel; the iteration ends normally when the channel is ended (by
 * the emulator stopping, an Unsubscribe, an idle timeout) and throws when it is failed (for
 * example RESOURCE_EXHAUSTED when a slow client lets the buffer overflow).
 */
import { Code, ConnectError } from "@connectrpc/connect";

/** Default number of undelivered events a stream may hold before it is closed. */
export const DEFAULT_STREAM_BUFFER = 10_000;

/** A bounded push/pull channel feeding one server stream. */
export class EventChannel<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private wake: (() => void) | undefined;
  private done = false;
  private failure: Error | undefined;
  private readonly cleanups: (() => void)[] = [];
  private readonly closeHooks: ((failure: Error | undefined) => void)[] = [];

  /** Creates a channel holding at most `capacity` undelivered items. */
  constructor(private readonly capacity: number = DEFAULT_STREAM_BUFFER) {}

  /** True once ended or failed. */
  get closed(): boolean {
    return this.done;
  }

  /** Queues an item; when the buffer is full the channel fails with RESOURCE_EXHAUSTED. */
  push(item: T): void {
    if (this.done) return;
    if (this.items.length >= this.capacity) {
      this.fail(new ConnectError(`subscriber too slow: more than ${this.capacity} undelivered events`, Code.ResourceExhausted));
      return;
    }
    this.items.push(item);
    this.notify();
  }

  /** Ends the stream normally once the queued items are delivered. */
  end(): void {
    this.done = true;
    this.notify();
  }

  /** Ends the stream with an error; queued items are dropped. */
  fail(error: Error): void {
    if (this.done) return;
    this.failure = error;
    this.items.length = 0;
    this.done = true;
    this.notify();
  }

  /**
   * Ends the channel when any of the signals aborts (normally, not as an error). The listeners
   * are removed when the channel closes, so long-lived signals (the emulator's own) do not
   * collect one listener per stream ever opened.
   */
  endOn(...signals: AbortSignal[]): this {
    for (const signal of signals) {
      if (signal.aborted) {
        this.end();
        continue;
      }
      const onAbort = () => this.end();
      signal.addEventListener("abort", onAbort, { once: true });
      this.cleanups.push(() => signal.removeEventListener("abort", onAbort));
    }
    return this;
  }

  /**
   * Runs `hook` once when the channel ends or fails (with the failure, if any) — at once, not
   * when the stream's consumer next asks for an item. A streaming handler must release what it
   * holds here and not only in its `finally`: when a client vanishes while a write of its
   * stream is pending, connect-node never resumes the handler's generator, so its `finally`
   * never runs.
   */
  onClose(hook: (failure: Error | undefined) => void): this {
    if (this.done) hook(this.failure);
    else this.closeHooks.push(hook);
    return this;
  }

  private notify(): void {
    if (this.done) for (const cleanup of this.cleanups.splice(0)) cleanup();
    if (this.done) for (const hook of this.closeHooks.splice(0)) hook(this.failure);
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Yields items until the channel ends; throws its failure, if any. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.iterate((item) => item);
  }

  /**
   * Iterates the items as `map` turns them into what a stream sends. An item already queued is
   * handed out with a resolved promise: no async generator in between, whose every step costs
   * several promise hops per event on the emulator's delivery path. One reader at a time.
   */
  iterate<U>(map: (item: T) => U): AsyncIterator<U> {
    let left = false;
    const step = (): IteratorResult<U> | undefined => {
      if (left) return DONE;
      if (this.failure) throw this.failure;
      if (this.items.length > 0) return { done: false, value: map(this.items.shift() as T) };
      return this.done ? DONE : undefined;
    };
    return {
      next: (): Promise<IteratorResult<U>> => {
        try {
          const now = step();
          if (now) return Promise.resolve(now);
        } catch (error) {
          return Promise.reject(asError(error));
        }
        return new Promise<IteratorResult<U>>((resolve, reject) => {
          this.wake = () => {
            try {
              resolve(step() ?? DONE);
            } catch (error) {
              reject(asError(error));
            }
          };
        });
      },
      return: (): Promise<IteratorResult<U>> => {
        left = true;
        const wake = this.wake;
        this.wake = undefined;
        wake?.();
        return Promise.resolve(DONE);
      },
    };
  }
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
