/**
 * A group of workers run, watched and stopped together, with a grace period after which the
 * stragglers are cancelled.
 */
import { WorkerLifecycleError, WorkersError, errorMessage, type WorkerFailure } from "./errors.js";
import { GroupCallbacks, type CallbackOptions, type GroupCallback } from "./group-callbacks.js";
import { aborted, settlesWithin } from "../sleep.js";
import { Worker } from "./worker.js";
import { WorkerState, type WorkerOptions, type LifecycleStatus } from "./types.js";
import { invalidArgument } from "../errors.js";

/** Default time a group gives its workers to stop before cancelling them (seed: `STOPPING_GRACE_PERIOD`). */
export const DEFAULT_STOPPING_GRACE_PERIOD_MS = 10_000;
/** Default time a group waits for cancelled workers before reporting them as not stopped. */
export const DEFAULT_CANCEL_GRACE_PERIOD_MS = 1_000;

/**
 * When a worker of a running group ends on its own, whether the group stops the others
 * (seed: aio-fluid's `bail_out`, which stops the group whenever a worker exits):
 * - `"on-exit"`: whenever a worker ends, failed or not (the seed's behaviour, the default);
 * - `"on-failure"`: only when a worker fails; workers that simply finish are left finished;
 * - `"never"`: the others keep running; failures are still logged and reported at the end.
 */
export type BailOut = "on-exit" | "on-failure" | "never";

/** Options of a {@link Workers} group. */
export interface WorkersOptions extends WorkerOptions {
  /** The workers of the group (more can be added with `add`). Each must be new (INIT). */
  workers?: Iterable<Worker>;
  /** How long a stop waits for the workers before cancelling them (default {@link DEFAULT_STOPPING_GRACE_PERIOD_MS}). */
  stoppingGracePeriodMs?: number;
  /** How long to wait for cancelled workers before reporting them as not stopped (default {@link DEFAULT_CANCEL_GRACE_PERIOD_MS}). */
  cancelGracePeriodMs?: number;
  /** What a worker ending on its own does to the group (default `"on-exit"`); see {@link BailOut}. */
  bailOut?: BailOut;
  /**
   * Called once the group's workers have stopped (seed: `on_shutdown`, "called after the workers
   * are stopped"), on every way out of a started group — a stop, a bail-out, a failed start-up —
   * and after its registered callbacks have finished. If it throws, the group fails with that
   * error (unless a worker's failure is already the group's error; it is then logged).
   */
  onShutdown?: () => void | Promise<void>;
}

/** The status of a group: its own status plus each worker's. */
export interface WorkersStatus extends LifecycleStatus {
  /** The status of each worker of the group, in order. */
  readonly workers: readonly LifecycleStatus[];
  /** Names of the workers that did not stop even after being cancelled. */
  readonly notStopped: readonly string[];
  /** The registered callbacks: timers waiting, callbacks running, runs completed and failed. */
  readonly callbacks: ReturnType<GroupCallbacks["status"]>;
}

/**
 * A worker that runs other workers (seed: aio-fluid's `Workers`). It is a {@link Worker} itself,
 * so groups nest and `stopOnSignals` takes them.
 *
 * - `startup()` starts every worker and resolves when all run; if one fails to start, the
 *   started ones are stopped and `startup()` rejects with a {@link WorkersError}.
 * - A worker that fails (or ends, see {@link BailOut}) stops the group.
 * - Stopping the group stops every worker gracefully; those still running after
 *   `stoppingGracePeriodMs` are cancelled (their `cancelSignal` aborts), and those still running
 *   `cancelGracePeriodMs` later are reported as not stopped: the group ends anyway.
 * - `waitForShutdown()`/`shutdown()` reject with a {@link WorkersError} listing the failed
 *   workers and the ones that did not stop.
 *
 * @example
 * ```ts
 * const group = new Workers({ workers: [ticker, consumer], stoppingGracePeriodMs: 5_000 });
 * await group.startup();
 * const dispose = stopOnSignals(group);   // SIGINT/SIGTERM stop the group
 * await group.waitForShutdown();
 * ```
 */
export class Workers extends Worker {
  readonly #workers: Worker[] = [];
  readonly #graceMs: number;
  readonly #cancelGraceMs: number;
  readonly #bailOut: BailOut;
  #notStopped: string[] = [];
  #stopped: Promise<void> | undefined;
  readonly #callbacks: GroupCallbacks;
  readonly #onShutdownHook: WorkersOptions["onShutdown"];

  /** @param options the workers, grace periods, bail-out policy, name and logger */
  constructor(options: WorkersOptions = {}) {
    super(options);
    this.#graceMs = checkMs("stoppingGracePeriodMs", options.stoppingGracePeriodMs ?? DEFAULT_STOPPING_GRACE_PERIOD_MS);
    this.#cancelGraceMs = checkMs("cancelGracePeriodMs", options.cancelGracePeriodMs ?? DEFAULT_CANCEL_GRACE_PERIOD_MS);
    this.#bailOut = options.bailOut ?? "on-exit";
    this.#callbacks = new GroupCallbacks(this.name, this.logger);
    this.#onShutdownHook = options.onShutdown;
    // From the stop request on, no callback starts and no timer is left waiting.
    this.stopSignal.addEventListener("abort", () => this.#callbacks.halt(), { once: true });
    this.add(...(options.workers ?? []));
    // Cancelling the group cancels its workers at once, without waiting for the grace period.
    this.cancelSignal.addEventListener(
      "abort",
      () => {
        for (const worker of this.#workers) worker.cancel(`${this.name} was cancelled`);
      },
      { once: true },
    );
  }

  /** The workers of the group, in order. */
  get workers(): readonly Worker[] {
    return [...this.#workers];
  }

  /** How many workers the group has (seed: `num_workers`). */
  get numWorkers(): number {
    return this.#workers.length;
  }

  /**
   * Adds workers (ignoring ones already in the group). While the group runs they are started at
   * once; a failing start is treated like a failing worker.
   *
   * @throws WorkerLifecycleError if the group is stopping or stopped, or a worker is not new (INIT)
   */
  add(...workers: Worker[]): this {
    if (this.isStopping() || this.isStopped()) {
      throw new WorkerLifecycleError(`cannot add workers to "${this.name}": it is ${this.state}`);
    }
    for (const worker of workers) {
      if (this.#workers.includes(worker)) continue;
      if (worker === this) throw new WorkerLifecycleError(`"${this.name}" cannot contain itself`);
      if (worker.state !== WorkerState.INIT) {
        throw new WorkerLifecycleError(`cannot add worker "${worker.name}" to "${this.name}": it is ${worker.state}, not new`);
      }
      this.#workers.push(worker);
      if (this.isRunning()) this.#start(worker).catch(() => {}); // reported through #watch
    }
    return this;
  }

  /**
   * Removes workers from the group. The group neither watches nor stops them any more: a removed
   * running worker keeps running and is the caller's to stop. Returns how many were removed.
   */
  remove(...workers: Worker[]): number {
    let removed = 0;
    for (const worker of workers) {
      const index = this.#workers.indexOf(worker);
      if (index < 0) continue;
      this.#workers.splice(index, 1);
      removed += 1;
    }
    return removed;
  }

  /**
   * Runs `callback` after `seconds` (plus up to `jitter` seconds at random) while the group runs,
   * once or periodically (seed: `register_callback(callback, seconds, jitter, periodic)`, in
   * seconds as there). Registered before `startup()`, it waits for the group's workers to start.
   * A periodic callback is rescheduled after each run has finished (runs never overlap). The
   * group's stop clears every timer; a callback in flight is awaited before `onShutdown`. A
   * callback that throws is logged and, if periodic, keeps its schedule.
   *
   * @throws WorkerLifecycleError if the group is stopping or stopped
   * @throws RangeError for a negative or non-finite delay, jitter or period
   */
  registerCallback(callback: GroupCallback, seconds: number, options: CallbackOptions = {}): void {
    this.#callbacks.register(callback, seconds, options);
  }

  /** The group's status with the status of every worker and the names of any that did not stop. */
  override status(): WorkersStatus {
    return {
      ...super.status(),
      workers: this.#workers.map((worker) => worker.status()),
      notStopped: [...this.#notStopped],
      callbacks: this.#callbacks.status(),
    };
  }

  /**
   * Starts every worker; if any fails to start, stops the others and throws. Subclasses that
   * override this must call `super.onStartup()`.
   */
  protected override async onStartup(): Promise<void> {
    const workers = [...this.#workers];
    const results = await Promise.allSettled(workers.map((worker) => this.#start(worker)));
    if (results.every((result) => result.status === "fulfilled")) {
      this.#callbacks.start();
      return;
    }
    await this.#stopAll();
    throw this.#report() ?? new WorkersError(this.name, [], []);
  }

  /** Waits for a stop request or a bail-out; `onShutdown` then stops the workers. */
  protected override async run(signal: AbortSignal): Promise<void> {
    await aborted(signal);
  }

  /**
   * Stops every worker (with the grace periods) and reports failed or stuck ones by throwing a
   * {@link WorkersError}. It runs on every way out (stop, bail-out, failed startup, a stop during
   * startup), so no worker is left running. Subclasses that override this must call
   * `super.onShutdown()`.
   */
  protected override async onShutdown(): Promise<void> {
    await this.#stopAll();
    await this.#callbacks.stop();
    let hookFailure: { error: unknown } | undefined;
    try {
      await this.#onShutdownHook?.();
    } catch (error) {
      hookFailure = { error };
    }
    const error = this.failed ? undefined : this.#report(); // a failed startup already reported its error
    if (hookFailure && (this.failed || error))
      this.logger.error(`${this.name}: onShutdown failed: ${errorMessage(hookFailure.error)}`, hookFailure.error);
    if (error) throw error;
    if (hookFailure && !this.failed) throw hookFailure.error;
  }

  #start(worker: Worker): Promise<void> {
    const started = worker.startup();
    this.#watch(worker);
    return started;
  }

  /** Reacts to a worker ending while the group runs, per the bail-out policy. */
  #watch(worker: Worker): void {
    worker.waitForShutdown().then(
      () => {
        if (!this.isRunning() || !this.#workers.includes(worker)) return;
        this.logger.warn(`${this.name}: worker ${worker.name} exited`);
        if (this.#bailOut === "on-exit") this.#bail(`worker ${worker.name} exited`);
      },
      (error: unknown) => {
        if (!this.#workers.includes(worker)) return;
        this.logger.error(`${this.name}: worker ${worker.name} failed: ${errorMessage(error)}`, error);
        if (this.isRunning() && this.#bailOut !== "never") this.#bail(`worker ${worker.name} failed`);
      },
    );
  }

  #bail(reason: string): void {
    this.logger.warn(`${this.name}: stopping all workers: ${reason}`);
    this.gracefullyStop();
  }

  /** Stops the workers once, however many paths ask for it. */
  #stopAll(): Promise<void> {
    this.#stopped ??= this.#stopAllOnce();
    return this.#stopped;
  }

  /** Graceful stop, then cancel after the grace period, then give up after the cancel grace period. */
  async #stopAllOnce(): Promise<void> {
    const workers = [...this.#workers];
    if (workers.length === 0) return;
    this.logger.info(`${this.name}: gracefully stopping ${workers.length} worker(s): ${names(workers)}`);
    for (const worker of workers) worker.gracefullyStop();
    const all = Promise.allSettled(workers.map((worker) => worker.waitForShutdown()));
    if (await settlesWithin(all, this.#graceMs)) return;
    const late = workers.filter((worker) => !worker.isStopped());
    this.logger.warn(`${this.name}: could not stop ${names(late)} within ${this.#graceMs} ms: cancelling`);
    for (const worker of late) worker.cancel(`still running ${this.#graceMs} ms after the stop request`);
    if (await settlesWithin(all, this.#cancelGraceMs)) return;
    const stuck = workers.filter((worker) => !worker.isStopped());
    this.#notStopped = stuck.map((worker) => worker.name);
    this.logger.error(`${this.name}: ${names(stuck)} did not stop even after being cancelled`);
  }

  /** The failures and stuck workers, as one error, or undefined when all went well. */
  #report(): WorkersError | undefined {
    const failures: WorkerFailure[] = this.#workers
      .filter((worker) => worker.failed)
      .map((worker) => ({ name: worker.name, error: worker.error }));
    if (failures.length === 0 && this.#notStopped.length === 0) return undefined;
    return new WorkersError(this.name, failures, this.#notStopped);
  }
}

function names(workers: readonly Worker[]): string {
  return workers.map((worker) => worker.name).join(", ");
}

function checkMs(option: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw invalidArgument(`${option} must be a finite number >= 0, got ${value}`);
  return value;
}
