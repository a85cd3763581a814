/**
 * The vocabulary shared by every worker: its lifecycle states, its status snapshot, the options
 * every worker takes and the optional logger it reports through.
 */

/**
 * The lifecycle of a worker. Transitions only ever go forward:
 *
 * - `INIT → RUNNING`: `startup()` was called; `onStartup()` and then `run(signal)` are in progress.
 * - `INIT → STOPPED`: the worker was stopped before it was started; it never runs.
 * - `RUNNING → STOPPING`: `gracefullyStop()` or `cancel()` was called (the run signal aborts), or
 *   `run` returned or threw on its own; `onShutdown()` runs while STOPPING.
 * - `STOPPING → STOPPED`: `run` has settled and `onShutdown()` has finished. A failed run (or a
 *   failed `onStartup`/`onShutdown`) also ends here, with the error kept in `worker.error`,
 *   in `status().error`, logged, and thrown by `waitForShutdown()`/`shutdown()`.
 *
 * A worker is single-use: once it has left INIT it cannot be started again.
 */
export const WorkerState = {
  /** Created, not started. */
  INIT: "init",
  /** Started: `onStartup` then `run` are in progress. */
  RUNNING: "running",
  /** Asked to stop (or `run` ended): waiting for `run` to settle and `onShutdown` to finish. */
  STOPPING: "stopping",
  /** Finished, for good. */
  STOPPED: "stopped",
} as const;

/** One of the {@link WorkerState} values: `"init" | "running" | "stopping" | "stopped"`. */
export type WorkerState = (typeof WorkerState)[keyof typeof WorkerState];

/**
 * A snapshot of a worker, as aio-fluid's `status()` returns; subclasses add their own fields
 * (a queue consumer adds its queue size, a group adds the status of each of its workers).
 * (Not named `WorkerStatus`: that is the WorkManager's enum of remote worker states.)
 */
export interface LifecycleStatus {
  /** The worker's name. */
  readonly name: string;
  /** Where it is in its lifecycle. */
  readonly state: WorkerState;
  /** `state === "running"`. */
  readonly running: boolean;
  /** `state === "stopping"`. */
  readonly stopping: boolean;
  /** The message of the error that ended the worker, when it failed. */
  readonly error?: string;
}

/**
 * Where workers report what they do. Any object with these three methods works (`console`
 * included); workers are silent when none is given.
 */
export interface WorkerLogger {
  /** Lifecycle progress: started, stopping, stopped. */
  info(message: string, ...details: unknown[]): void;
  /** Something went wrong but was handled: a forced cancellation, a late worker. */
  warn(message: string, ...details: unknown[]): void;
  /** A failure: a run that threw, a worker that could not be stopped. */
  error(message: string, ...details: unknown[]): void;
}

/** Options every worker takes. */
export interface WorkerOptions {
  /** The worker's name; defaults to its class name in kebab-case (`SimpleWorker` → `simple-worker`). */
  name?: string;
  /** Where to report lifecycle events and failures; silent when omitted. */
  logger?: WorkerLogger;
}

/** A logger that drops everything: the default, so that libraries stay quiet. */
export const silentLogger: WorkerLogger = Object.freeze({
  info() {},
  warn() {},
  error() {},
});
