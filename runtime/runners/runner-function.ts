/**
 * A runner made of a function called over and over, with a pause (the heartbeat) between calls.
 */
import { sleep } from "../sleep.js";
import { Runner } from "./runner.js";
import type { RunnerOptions, LifecycleStatus } from "./types.js";
import { invalidArgument } from "../errors.js";

/** Options of a {@link RunnerFunction}. */
export interface RunnerFunctionOptions extends RunnerOptions {
  /**
   * Milliseconds to wait between two calls (default 0: the next call comes after the event loop
   * had a turn, never in a tight microtask loop). The wait ends at once when the runner stops.
   */
  heartbeatMs?: number;
}

/** The status of a {@link RunnerFunction}: the base status, its heartbeat and its call count. */
export interface RunnerFunctionStatus extends LifecycleStatus {
  /** The pause between calls, in milliseconds. */
  readonly heartbeatMs: number;
  /** How many times the function has been called. */
  readonly calls: number;
}

/**
 * The function a {@link RunnerFunction} runs. `signal` is the runner's cancel signal: it aborts
 * only when the runner is cancelled, so a graceful stop lets the current call finish.
 */
export type RunnerFunctionBody = (signal: AbortSignal) => void | Promise<void>;

/**
 * Runs `fn` repeatedly while the runner is running, waiting `heartbeatMs` between calls
 * (seed: aio-fluid's `WorkerFunction(run_function, heartbeat)`). Unlike the seed, a stop wakes
 * the heartbeat wait at once instead of letting it run out. A throwing `fn` fails the runner.
 *
 * @example
 * ```ts
 * const ticker = new RunnerFunction(async () => console.log("tick"), { heartbeatMs: 1_000 });
 * await ticker.startup();
 * // ...
 * await ticker.shutdown();
 * ```
 */
export class RunnerFunction extends Runner {
  readonly #fn: RunnerFunctionBody;
  readonly #heartbeatMs: number;
  #calls = 0;

  /** @param fn what to run on each beat; @param options name, logger and heartbeat */
  constructor(fn: RunnerFunctionBody, options: RunnerFunctionOptions = {}) {
    super(options);
    const heartbeatMs = options.heartbeatMs ?? 0;
    if (!Number.isFinite(heartbeatMs) || heartbeatMs < 0) {
      throw invalidArgument(`heartbeatMs must be a finite number >= 0, got ${heartbeatMs}`);
    }
    this.#fn = fn;
    this.#heartbeatMs = heartbeatMs;
  }

  /** How many times the function has been called. */
  get calls(): number {
    return this.#calls;
  }

  /** The base status plus the heartbeat and the number of calls. */
  override status(): RunnerFunctionStatus {
    return { ...super.status(), heartbeatMs: this.#heartbeatMs, calls: this.#calls };
  }

  /** Calls the function, waits a heartbeat, again, until stopped. */
  protected override async run(signal: AbortSignal): Promise<void> {
    while (this.isRunning()) {
      this.#calls += 1;
      await this.#fn(this.cancelSignal);
      if (!(await sleep(this.#heartbeatMs, signal))) break;
    }
  }
}
