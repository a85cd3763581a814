/**
 * The one backoff of the SDK and the emulator: exponential with full jitter (AWS's "full
 * jitter": a uniformly random delay up to the exponential bound), so that clients that failed
 * together do not retry together. Retries of unary calls, reconnecting streams, the emulator's
 * worker retries, WebSocket reconnects and Dapr redeliveries all use it.
 */

/** The bounds of a backoff. */
export interface BackoffBounds {
  /** Upper bound of the first delay, in ms. */
  readonly initialMs: number;
  /** Upper bound of any delay, in ms. */
  readonly maxMs: number;
  /** Growth of the bound per attempt (default 2). */
  readonly multiplier?: number;
  /**
   * "full" (default): uniformly random up to the bound. "none": the bound itself, for behaviour a
   * contract fixes (the WebSocketManager's documented `baseDelay × 2^(attempt-1)`).
   */
  readonly jitter?: "full" | "none";
}

/**
 * The delay before the attempt after `attempt` (attempts count from 1): uniformly random in
 * [0, min(maxMs, initialMs × multiplier^(attempt − 1))], in whole milliseconds (or that bound
 * itself with `jitter: "none"`).
 */
export function backoffDelay(attempt: number, bounds: BackoffBounds): number {
  const { initialMs, maxMs, multiplier = 2, jitter = "full" } = bounds;
  const ceiling = Math.min(maxMs, initialMs * multiplier ** Math.max(0, attempt - 1));
  return Math.round(jitter === "none" ? ceiling : Math.random() * ceiling);
}
