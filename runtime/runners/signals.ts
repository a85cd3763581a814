/**
 * Stopping a runner (or a group) when the process receives SIGINT or SIGTERM.
 */
import type { RunnerLogger } from "./types.js";
import type { Runner } from "./runner.js";

/** Options of {@link stopOnSignals}. */
export interface StopOnSignalsOptions {
  /** The signals to stop on (default `["SIGINT", "SIGTERM"]`). */
  signals?: readonly NodeJS.Signals[];
  /**
   * Whether a second signal cancels the runner instead of waiting for its graceful stop
   * (default true): the "press Ctrl-C twice" convention.
   */
  cancelOnRepeat?: boolean;
  /** Called with each signal received, after the runner was told to stop. */
  onSignal?: (signal: NodeJS.Signals) => void;
  /** Where to report the signals; silent when omitted. */
  logger?: RunnerLogger;
}

/** Removes the signal listeners; calling it again does nothing. Also usable with `using`. */
export type SignalsDisposer = (() => void) & Disposable;

/** The signals {@link stopOnSignals} listens to by default. */
export const DEFAULT_STOP_SIGNALS: readonly NodeJS.Signals[] = Object.freeze(["SIGINT", "SIGTERM"]);

/**
 * Gracefully stops `runner` when the process receives one of `signals` (SIGINT and SIGTERM by
 * default), and cancels it on a second one. While installed, the listeners replace Node's
 * default of exiting on those signals. They are removed when the returned disposer is called or
 * as soon as the runner has stopped, so nothing is left behind and a later signal has its
 * default effect again.
 *
 * @example
 * ```ts
 * await group.startup();
 * using _ = stopOnSignals(group);
 * await group.waitForShutdown();
 * ```
 */
export function stopOnSignals(runner: Runner, options: StopOnSignalsOptions = {}): SignalsDisposer {
  const signals = [...new Set(options.signals ?? DEFAULT_STOP_SIGNALS)];
  const cancelOnRepeat = options.cancelOnRepeat ?? true;
  let received = 0;
  let installed = true;

  const onSignal = (signal: NodeJS.Signals): void => {
    received += 1;
    if (received > 1 && cancelOnRepeat) {
      options.logger?.warn(`${signal} received again: cancelling ${runner.name}`);
      runner.cancel(`${signal} received again`);
    } else {
      options.logger?.info(`${signal} received: stopping ${runner.name}`);
      runner.gracefullyStop();
    }
    options.onSignal?.(signal);
  };

  // One listener per signal, so the name is known even when the event carries none (process.emit).
  const listeners = signals.map((signal) => [signal, () => onSignal(signal)] as const);
  const dispose = (): void => {
    if (!installed) return;
    installed = false;
    for (const [signal, listener] of listeners) process.removeListener(signal, listener);
  };

  for (const [signal, listener] of listeners) process.on(signal, listener);
  // Once the runner is done, the listeners have no purpose left: restore the defaults.
  runner.waitForShutdown().then(dispose, dispose);

  return Object.assign(dispose, { [Symbol.dispose]: dispose });
}
