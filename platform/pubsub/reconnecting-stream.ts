/**
 * A server stream that survives the server going away: it reopens with jittered exponential
 * backoff, reports every reconnect, and drops events it has already delivered (by id, in a
 * bounded window) so a consumer never sees one twice.
 *
 * Memory stays bounded for a slow consumer because nothing is buffered here: the next message
 * is read from the HTTP/2 stream only when the consumer asks for it, so flow control holds the
 * rest on the server.
 */
import { Code, VirtufinError } from "../../runtime/errors.js";
import { linkAbort } from "../../runtime/abort.js";
import { backoffDelay } from "../../runtime/backoff.js";
import { sleep } from "../../runtime/sleep.js";

/** How a dropped stream is reopened. */
export interface ReconnectOptions {
  /** Attempts in a row before giving up (default: unlimited). */
  readonly maxAttempts?: number;
  /** Delay before the first retry, in ms (default 100). */
  readonly initialDelayMs?: number;
  /** Upper bound of the delay, in ms (default 5,000). */
  readonly maxDelayMs?: number;
}

/** What a reconnect report carries. */
export interface ReconnectInfo {
  /** 1 for the first retry after a drop, then 2, 3... (reset once a stream delivers). */
  readonly attempt: number;
  /** How long the stream waits before reopening. */
  readonly delayMs: number;
  /** Why the previous stream ended (undefined when the server ended it cleanly). */
  readonly error: VirtufinError | undefined;
  /**
   * True when the stream will resume right after the last event received (the server retains
   * events and said so), so nothing published while it was down is lost.
   */
  readonly resumes?: boolean;
}

/** Options of {@link reconnectingStream}. */
export interface ReconnectingStreamOptions<T> {
  /** Ends the stream quietly (no error) when aborted. */
  readonly signal?: AbortSignal;
  /** Reopen dropped streams (default true); false ends on the first drop with its error. */
  readonly reconnect?: boolean | ReconnectOptions;
  /** Called before each reconnect. */
  readonly onReconnect?: (info: ReconnectInfo) => void;
  /** An item's unique id, for de-duplication across reconnects (undefined: never deduplicated). */
  readonly idOf?: (item: T) => string | undefined;
  /** How many recent ids to remember for de-duplication (default 10,000). */
  readonly dedupeWindow?: number;
}

/** Codes after which reopening the stream can help. */
const TRANSIENT: ReadonlySet<Code> = new Set([
  Code.Unavailable,
  Code.Internal,
  Code.Unknown,
  Code.Canceled,
  Code.DeadlineExceeded,
  Code.ResourceExhausted,
  Code.Aborted,
]);

/**
 * Iterates the streams `open` returns, one after the other, reopening after transient failures
 * and after clean ends. `open` receives the signal that ends the current stream.
 */
export async function* reconnectingStream<T>(
  open: (signal: AbortSignal) => AsyncIterable<T>,
  options: ReconnectingStreamOptions<T> = {},
): AsyncGenerator<T, void, undefined> {
  const { signal } = options;
  const policy = typeof options.reconnect === "object" ? options.reconnect : {};
  const enabled = options.reconnect !== false;
  // Recently delivered ids, oldest forgotten first (a Set iterates in insertion order).
  const seen = new Set<string>();
  const window = options.dedupeWindow ?? 10_000;
  let attempt = 0;
  while (!signal?.aborted) {
    const attemptAbort = linkAbort(signal);
    let failure: VirtufinError | undefined;
    try {
      for await (const item of open(attemptAbort.signal)) {
        attempt = 0;
        const id = options.idOf?.(item);
        if (id !== undefined && id !== "") {
          if (seen.has(id)) continue;
          seen.add(id);
          if (seen.size > window) seen.delete(seen.values().next().value!);
        }
        yield item;
      }
    } catch (error) {
      if (signal?.aborted) return;
      failure = VirtufinError.from(error);
      if (!enabled || !TRANSIENT.has(failure.code)) throw failure;
    } finally {
      attemptAbort.abort();
    }
    if (signal?.aborted) return;
    if (!enabled) return;
    attempt += 1;
    if (policy.maxAttempts !== undefined && attempt > policy.maxAttempts) {
      throw new VirtufinError(
        `stream lost and not restored after ${policy.maxAttempts} attempts${failure ? `: ${failure.rawMessage}` : ""}`,
        failure?.code ?? Code.Unavailable,
      );
    }
    const delayMs = backoffDelay(attempt, { initialMs: policy.initialDelayMs ?? 100, maxMs: policy.maxDelayMs ?? 5_000 });
    options.onReconnect?.({ attempt, delayMs, error: failure });
    if (!(await sleep(delayMs, signal))) return;
  }
}
