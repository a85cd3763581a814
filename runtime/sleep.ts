/**
 * Timing helpers that never throw on abort and never leave a timer behind: every timer is
 * cleared as soon as its promise settles, and every abort listener is removed.
 */

/**
 * Waits `ms` milliseconds, or less if `signal` aborts first. Resolves `true` when the full time
 * elapsed and `false` when the signal cut it short (it never rejects), so loops read naturally:
 * `while (await sleep(200, signal)) { ... }`.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener("abort", onAbort);
        resolve(true);
      },
      Math.max(0, ms),
    );
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Resolves when `signal` aborts (at once if it already has), removing its listener then.
 * Holds no timer: it keeps nothing alive by itself.
 */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}

/**
 * Waits for `promise` at most `ms` milliseconds: resolves `true` if it settled in time (whether it
 * fulfilled or rejected; the caller reads the outcome elsewhere) and `false` on timeout. The timer
 * is cleared either way.
 */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
