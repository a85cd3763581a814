/**
 * The vocabulary shared by every runner: its lifecycle states, its status snapshot, the options
 * every runner takes and the optional logger it reports through.
 */

/**
 * The lifecycle of a runner. Transitions only ever go forward:
 *
 * - `INIT → RUNNING`: `startup()` was called; `onStartup()` and then `run(signal)` are in progress.
 * - `INIT → STOPPED`: the runner was stopped before it was started; it never runs.
 * - `RUNNING → STOPPING`: `gracefullyStop()` or `cancel()` was called (the run signal aborts), or
 *   `run` returned or threw on its own; `onShutdown()` runs while STOPPING.
 * - `STOPPING → STOPPED`: `run` has settled and `onShutdown()` has finished. A failed run (or a
 *   failed `onStartup`/`onShutdown`) also ends here, with the error kept in `runner.error`,
 *   in `status().error`, logged, and thrown by `waitForShutdown()`/`shutdown()`.
 *
 * A runner is single-use: once it has left INIT it cannot be started again.
 */
export const RunnerState = {
  /** Created, not started. */
  INIT: "init",
  /** Started: `onStartup` then `run` are in progress. */
  RUNNING: "running",
  /** Asked to stop (or `run` ended): waiting for `run` to settle and `onShutdown` to finish. */
  STOPPING: "stopping",
  /** Finished, for good. */
  STOPPED: "stopped",
} as const;

/** One of the {@link RunnerState} values: `"init" | "running" | "stopping" | "stopped"`. */
export type RunnerState = (typeof RunnerState)[keyof typeof RunnerState];

/**
 * A snapshot of a runner, as aio-fluid's `status()` returns; subclasses add their own fields
 * (a queue consumer adds its queue size, a group adds the status of each of its runners).
 * (Not named `WorkerStatus`: that is the WorkManager's enum of remote worker states.)
 */
export interface LifecycleStatus {
  /** The runner's name. */
  readonly name: string;
  /** Where it is in its lifecycle. */
  readonly state: RunnerState;
  /** `state === "running"`. */
  readonly running: boolean;
  /** `state === "stopping"`. */
  readonly stopping: boolean;
  /** The message of the error that ended the runner, when it failed. */
  readonly error?: string;
}

/**
 * Where runners report what they do. Any object with these three methods works (`console`
 * included); runners are silent when none is given.
 */
export interface RunnerLogger {
  /** Lifecycle progress: started, stopping, stopped. */
  info(message: string, ...details: unknown[]): void;
  /** Something went wrong but was handled: a forced cancellation, a late runner. */
  warn(message: string, ...details: unknown[]): void;
  /** A failure: a run that threw, a runner that could not be stopped. */
  error(message: string, ...details: unknown[]): void;
}

/** Options every runner takes. */
export interface RunnerOptions {
  /** The runner's name; defaults to its class name in kebab-case (`SimpleRunner` → `simple-runner`). */
  name?: string;
  /** Where to report lifecycle events and failures; silent when omitted. */
  logger?: RunnerLogger;
}

/** A logger that drops everything: the default, so that libraries stay quiet. */
export const silentLogger: RunnerLogger = Object.freeze({
  info() {},
  warn() {},
  error() {},
});
