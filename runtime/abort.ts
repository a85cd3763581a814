/**
 * The one way a controller of our own follows a caller's signal: a call, a subscription or a
 * stream attempt needs its own AbortController (to end itself), aborted too when the caller's
 * signal aborts, and must stop listening to that signal when it ends, or every finished call
 * would leave a listener behind on a long-lived signal.
 */

/** A controller linked to a parent signal. */
export interface LinkedAbort {
  /** Aborted by `abort()` or when the parent aborts (with the parent's reason). */
  readonly signal: AbortSignal;
  /** Aborts this controller (not the parent) and unlinks. */
  abort(reason?: unknown): void;
  /** Stops following the parent; idempotent. */
  unlink(): void;
}

/** A new controller aborted when `parent` aborts; already aborted if `parent` is. */
export function linkAbort(parent: AbortSignal | undefined): LinkedAbort {
  const controller = new AbortController();
  const follow = () => controller.abort(parent?.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener("abort", follow, { once: true });
  const unlink = () => parent?.removeEventListener("abort", follow);
  return {
    signal: controller.signal,
    abort(reason?: unknown) {
      unlink();
      controller.abort(reason);
    },
    unlink,
  };
}
