/**
 * A group of runners run, watched and stopped together, with a grace period after which the
 * stragglers are cancelled.
 */
import { RunnerLifecycleError, RunnersError, errorMessage, type RunnerFailure } from "./errors.js";
import { GroupCallbacks, type CallbackOptions, type GroupCallback } from "./group-callbacks.js";
import { aborted, settlesWithin } from "../sleep.js";
import { Runner } from "./runner.js";
import { RunnerState, type RunnerOptions, type LifecycleStatus } from "./types.js";
import { invalidArgument } from "../errors.js";

/** Default time a group gives its runners to stop before cancelling them (seed: `STOPPING_GRACE_PERIOD`). */
export const DEFAULT_STOPPING_GRACE_PERIOD_MS = 10_000;
/** Default time a group waits for cancelled runners before reporting them as not stopped. */
export const DEFAULT_CANCEL_GRACE_PERIOD_MS = 1_000;

/**
 * When a runner of a running group ends on its own, whether the group stops the others
 * (seed: aio-fluid's `bail_out`, which stops the group whenever a runner exits):
 * - `"on-exit"`: whenever a runner ends, failed or not (the seed's behaviour, the default);
 * - `"on-failure"`: only when a runner fails; runners that simply finish are left finished;
 * - `"never"`: the others keep running; failures are still logged and reported at the end.
 */
export type BailOut = "on-exit" | "on-failure" | "never";

/** Options of a {@link Runners} group. */
export interface RunnersOptions extends RunnerOptions {
  /** The runners of the group (more can be added with `add`). Each must be new (INIT). */
  runners?: Iterable<Runner>;
  /** How long a stop waits for the runners before cancelling them (default {@link DEFAULT_STOPPING_GRACE_PERIOD_MS}). */
  stoppingGracePeriodMs?: number;
  /** How long to wait for cancelled runners before reporting them as not stopped (default {@link DEFAULT_CANCEL_GRACE_PERIOD_MS}). */
  cancelGracePeriodMs?: number;
  /** What a runner ending on its own does to the group (default `"on-exit"`); see {@link BailOut}. */
  bailOut?: BailOut;
  /**
   * Called once the group's runners have stopped (seed: `on_shutdown`, "called after the runners
   * are stopped"), on every way out of a started group — a stop, a bail-out, a failed start-up —
   * and after its registered callbacks have finished. If it throws, the group fails with that
   * error (unless a runner's failure is already the group's error; it is then logged).
   */
  onShutdown?: () => void | Promise<void>;
}

/** The status of a group: its own status plus each runner's. */
export interface RunnersStatus extends LifecycleStatus {
  /** The status of each runner of the group, in order. */
  readonly runners: readonly LifecycleStatus[];
  /** Names of the runners that did not stop even after being cancelled. */
  readonly notStopped: readonly string[];
  /** The registered callbacks: timers waiting, callbacks running, runs completed and failed. */
  readonly callbacks: ReturnType<GroupCallbacks["status"]>;
}

/**
 * A runner that runs other runners (seed: aio-fluid's `Workers`). It is a {@link Runner} itself,
 * so groups nest and `stopOnSignals` takes them.
 *
 * - `startup()` starts every runner and resolves when all run; if one fails to start, the
 *   started ones are stopped and `startup()` rejects with a {@link RunnersError}.
 * - A runner that fails (or ends, see {@link BailOut}) stops the group.
 * - Stopping the group stops every runner gracefully; those still running after
 *   `stoppingGracePeriodMs` are cancelled (their `cancelSignal` aborts), and those still running
 *   `cancelGracePeriodMs` later are reported as not stopped: the group ends anyway.
 * - `waitForShutdown()`/`shutdown()` reject with a {@link RunnersError} listing the failed
 *   runners and the ones that did not stop.
 *
 * @example
 * ```ts
 * const group = new Runners({ runners: [ticker, consumer], stoppingGracePeriodMs: 5_000 });
 * await group.startup();
 * const dispose = stopOnSignals(group);   // SIGINT/SIGTERM stop the group
 * await group.waitForShutdown();
 * ```
 */
export class Runners extends Runner {
  readonly #runners: Runner[] = [];
  readonly #graceMs: number;
  readonly #cancelGraceMs: number;
  readonly #bailOut: BailOut;
  #notStopped: string[] = [];
  #stopped: Promise<void> | undefined;
  readonly #callbacks: GroupCallbacks;
  readonly #onShutdownHook: RunnersOptions["onShutdown"];

  /** @param options the runners, grace periods, bail-out policy, name and logger */
  constructor(options: RunnersOptions = {}) {
    super(options);
    this.#graceMs = checkMs("stoppingGracePeriodMs", options.stoppingGracePeriodMs ?? DEFAULT_STOPPING_GRACE_PERIOD_MS);
    this.#cancelGraceMs = checkMs("cancelGracePeriodMs", options.cancelGracePeriodMs ?? DEFAULT_CANCEL_GRACE_PERIOD_MS);
    this.#bailOut = options.bailOut ?? "on-exit";
    this.#callbacks = new GroupCallbacks(this.name, this.logger);
    this.#onShutdownHook = options.onShutdown;
    // From the stop request on, no callback starts and no timer is left waiting.
    this.stopSignal.addEventListener("abort", () => this.#callbacks.halt(), { once: true });
    this.add(...(options.runners ?? []));
    // Cancelling the group cancels its runners at once, without waiting for the grace period.
    this.cancelSignal.addEventListener(
      "abort",
      () => {
        for (const runner of this.#runners) runner.cancel(`${this.name} was cancelled`);
      },
      { once: true },
    );
  }

  /** The runners of the group, in order. */
  get runners(): readonly Runner[] {
    return [...this.#runners];
  }

  /** How many runners the group has (seed: `num_workers`). */
  get numRunners(): number {
    return this.#runners.length;
  }

  /**
   * Adds runners (ignoring ones already in the group). While the group runs they are started at
   * once; a failing start is treated like a failing runner.
   *
   * @throws RunnerLifecycleError if the group is stopping or stopped, or a runner is not new (INIT)
   */
  add(...runners: Runner[]): this {
    if (this.isStopping() || this.isStopped()) {
      throw new RunnerLifecycleError(`cannot add runners to "${this.name}": it is ${this.state}`);
    }
    for (const runner of runners) {
      if (this.#runners.includes(runner)) continue;
      if (runner === this) throw new RunnerLifecycleError(`"${this.name}" cannot contain itself`);
      if (runner.state !== RunnerState.INIT) {
        throw new RunnerLifecycleError(`cannot add runner "${runner.name}" to "${this.name}": it is ${runner.state}, not new`);
      }
      this.#runners.push(runner);
      if (this.isRunning()) this.#start(runner).catch(() => {}); // reported through #watch
    }
    return this;
  }

  /**
   * Removes runners from the group. The group neither watches nor stops them any more: a removed
   * runner keeps running (if it was) and is the caller's to stop. Returns how many were removed.
   */
  remove(...runners: Runner[]): number {
    let removed = 0;
    for (const runner of runners) {
      const index = this.#runners.indexOf(runner);
      if (index < 0) continue;
      this.#runners.splice(index, 1);
      removed += 1;
    }
    return removed;
  }

  /**
   * Runs `callback` after `seconds` (plus up to `jitter` seconds at random) while the group runs,
   * once or periodically (seed: `register_callback(callback, seconds, jitter, periodic)`, in
   * seconds as there). Registered before `startup()`, it waits for the group's runners to start.
   * A periodic callback is rescheduled after each run has finished (runs never overlap). The
   * group's stop clears every timer; a callback in flight is awaited before `onShutdown`. A
   * callback that throws is logged and, if periodic, keeps its schedule.
   *
   * @throws RunnerLifecycleError if the group is stopping or stopped
   * @throws RangeError for a negative or non-finite delay, jitter or period
   */
  registerCallback(callback: GroupCallback, seconds: number, options: CallbackOptions = {}): void {
    this.#callbacks.register(callback, seconds, options);
  }

  /** The group's status with the status of every runner and the names of any that did not stop. */
  override status(): RunnersStatus {
    return {
      ...super.status(),
      runners: this.#runners.map((runner) => runner.status()),
      notStopped: [...this.#notStopped],
      callbacks: this.#callbacks.status(),
    };
  }

  /**
   * Starts every runner; if any fails to start, stops the others and throws. Subclasses that
   * override this must call `super.onStartup()`.
   */
  protected override async onStartup(): Promise<void> {
    const runners = [...this.#runners];
    const results = await Promise.allSettled(runners.map((runner) => this.#start(runner)));
    if (results.every((result) => result.status === "fulfilled")) {
      this.#callbacks.start();
      return;
    }
    await this.#stopAll();
    throw this.#report() ?? new RunnersError(this.name, [], []);
  }

  /** Waits for a stop request or a bail-out; `onShutdown` then stops the runners. */
  protected override async run(signal: AbortSignal): Promise<void> {
    await aborted(signal);
  }

  /**
   * Stops every runner (with the grace periods) and reports failed or stuck ones by throwing a
   * {@link RunnersError}. It runs on every way out (stop, bail-out, failed startup, a stop during
   * startup), so no runner is left running. Subclasses that override this must call
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

  #start(runner: Runner): Promise<void> {
    const started = runner.startup();
    this.#watch(runner);
    return started;
  }

  /** Reacts to a runner ending while the group runs, per the bail-out policy. */
  #watch(runner: Runner): void {
    runner.waitForShutdown().then(
      () => {
        if (!this.isRunning() || !this.#runners.includes(runner)) return;
        this.logger.warn(`${this.name}: runner ${runner.name} exited`);
        if (this.#bailOut === "on-exit") this.#bail(`runner ${runner.name} exited`);
      },
      (error: unknown) => {
        if (!this.#runners.includes(runner)) return;
        this.logger.error(`${this.name}: runner ${runner.name} failed: ${errorMessage(error)}`, error);
        if (this.isRunning() && this.#bailOut !== "never") this.#bail(`runner ${runner.name} failed`);
      },
    );
  }

  #bail(reason: string): void {
    this.logger.warn(`${this.name}: stopping all runners: ${reason}`);
    this.gracefullyStop();
  }

  /** Stops the runners once, however many paths ask for it. */
  #stopAll(): Promise<void> {
    this.#stopped ??= this.#stopAllOnce();
    return this.#stopped;
  }

  /** Graceful stop, then cancel after the grace period, then give up after the cancel grace period. */
  async #stopAllOnce(): Promise<void> {
    const runners = [...this.#runners];
    if (runners.length === 0) return;
    this.logger.info(`${this.name}: gracefully stopping ${runners.length} runner(s): ${names(runners)}`);
    for (const runner of runners) runner.gracefullyStop();
    const all = Promise.allSettled(runners.map((runner) => runner.waitForShutdown()));
    if (await settlesWithin(all, this.#graceMs)) return;
    const late = runners.filter((runner) => !runner.isStopped());
    this.logger.warn(`${this.name}: could not stop ${names(late)} within ${this.#graceMs} ms: cancelling`);
    for (const runner of late) runner.cancel(`still running ${this.#graceMs} ms after the stop request`);
    if (await settlesWithin(all, this.#cancelGraceMs)) return;
    const stuck = runners.filter((runner) => !runner.isStopped());
    this.#notStopped = stuck.map((runner) => runner.name);
    this.logger.error(`${this.name}: ${names(stuck)} did not stop even after being cancelled`);
  }

  /** The failures and stuck runners, as one error, or undefined when all went well. */
  #report(): RunnersError | undefined {
    const failures: RunnerFailure[] = this.#runners
      .filter((runner) => runner.failed)
      .map((runner) => ({ name: runner.name, error: runner.error }));
    if (failures.length === 0 && this.#notStopped.length === 0) return undefined;
    return new RunnersError(this.name, failures, this.#notStopped);
  }
}

function names(runners: readonly Runner[]): string {
  return runners.map((runner) => runner.name).join(", ");
}

function checkMs(option: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw invalidArgument(`${option} must be a finite number >= 0, got ${value}`);
  return value;
}
