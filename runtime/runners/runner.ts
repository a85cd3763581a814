/**
 * Runners with a lifecycle, the TypeScript counterpart of aio-fluid's workers: long-running tasks
 * that start, run until asked to stop, stop gracefully (or are cancelled after a grace period) and
 * report their status.
 *
 * - {@link Runner}: the abstract base; implement `run(signal)`. States INIT → RUNNING → STOPPING →
 *   STOPPED ({@link RunnerState}).
 * - {@link createRunner}: a runner from a function run once (e.g. a subscription loop).
 * - {@link RunnerFunction}: a function run over and over with a heartbeat.
 * - {@link QueueConsumer} / {@link QueueConsumerRunner}: a bounded inbox, consumed by a handler
 *   with a concurrency limit.
 * - {@link Runners}: a group with a stopping grace period and bail-out on failure.
 * - {@link stopOnSignals}: stop a runner or group on SIGINT/SIGTERM.
 *
 * Runners hold no timer of their own while they wait: what keeps the process alive is what they
 * wait on (a socket, a heartbeat). Every timer they do use is cleared when its wait ends, and
 * `stopOnSignals` removes its listeners once the runner has stopped.
 *
 * The seed's SimpleWorker, in TypeScript:
 *
 * @example
 * ```ts
 * import { Runner, sleep } from "@virtufin/sdk";
 *
 * class SimpleRunner extends Runner {
 *   protected async run(signal: AbortSignal) {
 *     while (this.isRunning()) {
 *       this.printMessage();
 *       await sleep(1_000, signal); // wakes at once when the runner is asked to stop
 *     }
 *   }
 *   printMessage() {
 *     console.log(`Hello from ${this.runnerName} in state ${this.state}`);
 *   }
 * }
 *
 * const runner = new SimpleRunner();
 * runner.printMessage();                          // ... in state init
 * await runner.startup();
 * setTimeout(() => runner.gracefullyStop(), 5_000);
 * await runner.waitForShutdown();
 * runner.printMessage();                          // ... in state stopped
 * ```

 */
import { ConnectError, Code } from "@connectrpc/connect";
import { RunnerLifecycleError, errorMessage } from "./errors.js";
import { kebabCase } from "./names.js";
import { RunnerState, silentLogger, type RunnerLogger, type RunnerOptions, type LifecycleStatus } from "./types.js";

/**
 * The base class of every runner (seed: aio-fluid's `Worker`, `RunningWorker` and
 * `StoppingWorker` in one). Subclasses implement {@link Runner.run}; everything else is the
 * lifecycle:
 *
 * - `startup()` moves INIT → RUNNING, awaits `onStartup()`, starts `run(signal)` in the
 *   background and resolves once it is running. Calling it twice throws
 *   {@link RunnerLifecycleError}.
 * - `gracefullyStop()` (synchronous) moves RUNNING → STOPPING and aborts `run`'s signal: a loop
 *   checking `isRunning()` or the signal ends after its current step.
 * - `cancel()` also aborts {@link Runner.cancelSignal}: work in progress should be abandoned.
 * - `waitForShutdown()` resolves once STOPPED (rejects with the error if the runner failed);
 *   `shutdown()` is `gracefullyStop()` + `waitForShutdown()` and can be called any number of times.
 *
 * Two signals, two meanings: `run`'s `signal` (also {@link Runner.stopSignal}) says "take no
 * new work" and is what a subscription or a wait should be bound to; `cancelSignal` says "abandon
 * the work in hand" and is what an in-flight request should be bound to, so that a graceful stop
 * lets it finish while a forced one (a group's grace period ran out) interrupts it.
 *
 * @example
 * ```ts
 * class SimpleRunner extends Runner {
 *   async run(signal: AbortSignal) {
 *     while (this.isRunning()) {
 *       console.log(`Hello from ${this.runnerName} in state ${this.state}`);
 *       await sleep(200, signal);
 *     }
 *   }
 * }
 * const runner = new SimpleRunner();
 * await runner.startup();
 * setTimeout(() => runner.gracefullyStop(), 1_000);
 * await runner.waitForShutdown();
 * ```
 */
export abstract class Runner implements AsyncDisposable {
  /** The runner's name (see {@link RunnerOptions.name}). */
  readonly name: string;
  /** Where lifecycle events and failures are reported; silent unless given. */
  protected readonly logger: RunnerLogger;

  #state: RunnerState = RunnerState.INIT;
  #failed = false;
  #error: unknown = undefined;
  readonly #stop = new AbortController();
  readonly #cancel = new AbortController();
  readonly #done: Promise<void>;
  #markDone!: () => void;

  /** @param options the runner's name and logger */
  constructor(options: RunnerOptions = {}) {
    this.name = options.name || kebabCase(new.target.name) || "runner";
    this.logger = options.logger ?? silentLogger;
    this.#done = new Promise<void>((resolve) => {
      this.#markDone = resolve;
    });
  }

  /**
   * The runner's job. Loop while `isRunning()` (or until `signal` aborts) and return when asked
   * to stop; returning or throwing on its own also stops the runner (a throw is a failure).
   * Rejecting with the signal's abort error once stopping is a clean stop, not a failure.
   *
   * @param signal aborts when the runner is asked to stop (same as {@link Runner.stopSignal})
   */
  protected abstract run(signal: AbortSignal): Promise<void>;

  /** Called by `startup()` before `run`; a rejection fails the startup. No-op by default. */
  protected async onStartup(): Promise<void> {}

  /**
   * Called once `run` has settled (or `onStartup` failed), while STOPPING: release what
   * `onStartup` acquired here. A rejection fails the runner. No-op by default.
   */
  protected async onShutdown(): Promise<void> {}

  /**
   * Called on every state transition, after the state changed. No-op by default; override it to
   * observe the lifecycle (it must not throw).
   */
  protected onStateChange(_from: RunnerState, _to: RunnerState): void {}

  /** Same as {@link Runner.name} (seed: `worker_name`). */
  get runnerName(): string {
    return this.name;
  }

  /** The current lifecycle state. */
  get state(): RunnerState {
    return this.#state;
  }

  /** The error that ended the runner, if it failed; `undefined` otherwise. */
  get error(): unknown {
    return this.#error;
  }

  /** Whether the runner ended with an error (see {@link Runner.error}). */
  get failed(): boolean {
    return this.#failed;
  }

  /** Aborts when the runner is asked to stop (gracefully or not), or when `run` ends. */
  get stopSignal(): AbortSignal {
    return this.#stop.signal;
  }

  /** Aborts when the runner is cancelled: work in progress should be abandoned. */
  get cancelSignal(): AbortSignal {
    return this.#cancel.signal;
  }

  /** True while RUNNING (started and not asked to stop). */
  isRunning(): boolean {
    return this.#state === RunnerState.RUNNING;
  }

  /** True while STOPPING (asked to stop, not finished yet). */
  isStopping(): boolean {
    return this.#state === RunnerState.STOPPING;
  }

  /** True once STOPPED. */
  isStopped(): boolean {
    return this.#state === RunnerState.STOPPED;
  }

  /** A snapshot of the runner; subclasses add their own fields. */
  status(): LifecycleStatus {
    return {
      name: this.name,
      state: this.#state,
      running: this.isRunning(),
      stopping: this.isStopping(),
      ...(this.#failed ? { error: errorMessage(this.#error) } : {}),
    };
  }

  /**
   * Starts the runner: INIT → RUNNING, then `onStartup()`, then `run(signal)` in the background.
   * Resolves once it runs (or, if it was stopped during `onStartup`, once that finished).
   *
   * @throws RunnerLifecycleError if the runner has already been started or stopped
   * @throws whatever `onStartup()` threw; the runner is then STOPPED with that error
   */
  async startup(): Promise<void> {
    if (this.#state !== RunnerState.INIT) {
      throw new RunnerLifecycleError(
        `cannot start runner "${this.name}": it is ${this.#state} (runners are single-use; create a new one)`,
      );
    }
    this.#transition(RunnerState.RUNNING);
    this.logger.info(`${this.name} starting`);
    try {
      await this.onStartup();
    } catch (error) {
      this.#fail(error, "failed to start");
      await this.#finish();
      throw error;
    }
    if (!this.isRunning()) {
      // Stopped while starting up: skip run, but still shut down what onStartup set up.
      void this.#finish();
      return;
    }
    this.logger.info(`${this.name} running`);
    void this.#runToEnd();
  }

  /**
   * Asks the runner to stop: RUNNING → STOPPING and `run`'s signal aborts. Returns at once; use
   * `waitForShutdown()` to wait for the end. A runner never started goes straight to STOPPED.
   * Does nothing if already stopping or stopped.
   */
  gracefullyStop(): void {
    if (this.#state === RunnerState.INIT) {
      this.#transition(RunnerState.STOPPED);
      this.#stop.abort(abortError(`${this.name} was stopped before it started`));
      this.#markDone();
      return;
    }
    if (this.#state !== RunnerState.RUNNING) return;
    this.#transition(RunnerState.STOPPING);
    this.logger.info(`${this.name} stopping`);
    this.#stop.abort(abortError(`${this.name} is stopping`));
  }

  /**
   * Stops the runner without grace: like `gracefullyStop()`, and also aborts
   * {@link Runner.cancelSignal} so that work in progress is abandoned. A `run` that ignores both
   * signals keeps the runner STOPPING. Does nothing once STOPPED.
   *
   * @param reason why, for the abort reason and the log
   */
  cancel(reason = "cancelled"): void {
    if (this.#state === RunnerState.STOPPED) return;
    this.gracefullyStop();
    if (this.#cancel.signal.aborted || this.isStopped()) return;
    this.logger.warn(`${this.name} cancelled: ${reason}`);
    this.#cancel.abort(abortError(`${this.name} cancelled: ${reason}`));
  }

  /**
   * Resolves once the runner is STOPPED. Rejects with the runner's error if it failed (every
   * call does, so the failure cannot be missed).
   */
  async waitForShutdown(): Promise<void> {
    await this.#done;
    if (this.#failed) throw this.#error;
  }

  /** Gracefully stops the runner and waits for it: `gracefullyStop()` + `waitForShutdown()`. Idempotent. */
  async shutdown(): Promise<void> {
    this.gracefullyStop();
    await this.waitForShutdown();
  }

  /** `await using runner = ...` shuts the runner down at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  /**
   * Whether `error`, thrown by `run` after a stop was requested, is just the consequence of that
   * stop (an abort) rather than a failure. Recognizes our abort reasons, any `AbortError` and a
   * Connect `Canceled` error; override to recognize more.
   */
  protected isAbortError(error: unknown): boolean {
    if (error === this.#stop.signal.reason || error === this.#cancel.signal.reason) return true;
    if (error instanceof Error && error.name === "AbortError") return true;
    return error instanceof ConnectError && error.code === Code.Canceled;
  }

  async #runToEnd(): Promise<void> {
    try {
      await this.run(this.#stop.signal);
      if (this.#state === RunnerState.RUNNING) this.logger.info(`${this.name} run ended on its own`);
    } catch (error) {
      if (this.#stop.signal.aborted && this.isAbortError(error)) {
        // The run was interrupted by the stop it was asked for: a clean end.
      } else {
        this.#fail(error, "run failed");
      }
    }
    await this.#finish();
  }

  /** STOPPING (if not already), onShutdown, STOPPED. */
  async #finish(): Promise<void> {
    if (this.#state === RunnerState.RUNNING) {
      this.#transition(RunnerState.STOPPING);
      this.#stop.abort(abortError(`${this.name} has ended`));
    }
    try {
      await this.onShutdown();
    } catch (error) {
      this.#fail(error, "onShutdown failed");
    }
    this.#transition(RunnerState.STOPPED);
    this.logger.info(`${this.name} stopped`);
    this.#markDone();
  }

  #fail(error: unknown, what: string): void {
    this.logger.error(`${this.name} ${what}: ${errorMessage(error)}`, error);
    if (this.#failed) return; // keep the first error: it is the cause, later ones are fallout
    this.#failed = true;
    this.#error = error;
  }

  #transition(to: RunnerState): void {
    const from = this.#state;
    this.#state = to;
    this.onStateChange(from, to);
  }
}

/** An abort reason that is recognizably an abort (`name === "AbortError"`), with a useful message. */
function abortError(message: string): DOMException {
  return new DOMException(message, "AbortError");
}
