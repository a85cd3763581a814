/**
 * Callbacks a {@link Runners} group runs after a delay, once or periodically, while it runs
 * (seed: aio-fluid's `Workers.register_callback`).
 */
import { errorMessage, RunnerLifecycleError } from "./errors.js";
import type { RunnerLogger } from "./types.js";
import { invalidArgument } from "../errors.js";

/** A callback run by a group; a returned promise is awaited before a periodic one is rescheduled. */
export type GroupCallback = () => void | Promise<void>;

/** Options of `Runners.registerCallback`, in seconds as aio-fluid's. */
export interface CallbackOptions {
  /** Up to this many seconds are added at random to every delay (default 0). */
  jitter?: number;
  /**
   * `true`: run every `seconds` (plus jitter) until the group stops; a number: run first after
   * `seconds`, then every `periodic` seconds; `false` (default): run once.
   */
  periodic?: boolean | number;
}

interface Registration {
  readonly callback: GroupCallback;
  readonly firstMs: number;
  readonly periodMs: number; // 0: once
  readonly jitterMs: number;
}

function seconds(name: string, value: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw invalidArgument(`${name} must be a finite number of seconds >= 0, got ${String(value)}`);
  }
  return value * 1_000;
}

/**
 * The timers of a group's callbacks. Registered before `start()`, a callback waits for it; after
 * `halt()` nothing new runs and no timer is left; `stop()` also waits for callbacks in flight.
 * A callback that throws is logged; a periodic one keeps its schedule.
 */
export class GroupCallbacks {
  readonly #pending: Registration[] = [];
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #inFlight = new Set<Promise<void>>();
  #started = false;
  #halted = false;
  #runs = 0;
  #failures = 0;

  /** @param owner the group's name, for messages; @param logger where failures go */
  constructor(
    private readonly owner: string,
    private readonly logger: RunnerLogger,
  ) {}

  /** Registers a callback; runs it after `delaySeconds` (plus jitter), once or periodically. */
  register(callback: GroupCallback, delaySeconds: number, options: CallbackOptions = {}): void {
    if (typeof callback !== "function") throw invalidArgument("registerCallback needs a function");
    if (this.#halted) throw new RunnerLifecycleError(`cannot register a callback on "${this.owner}": it is stopping or stopped`);
    const firstMs = seconds("seconds", delaySeconds);
    const jitterMs = seconds("jitter", options.jitter ?? 0);
    const periodic = options.periodic ?? false;
    const periodMs = periodic === true ? firstMs : periodic === false ? 0 : seconds("periodic", periodic);
    if (periodic !== false && periodMs + jitterMs <= 0)
      throw invalidArgument("a periodic callback needs a period above 0 seconds");
    const registration: Registration = { callback, firstMs, periodMs, jitterMs };
    if (this.#started) this.#schedule(registration, firstMs);
    else this.#pending.push(registration);
  }

  /** Starts the timers of the callbacks registered so far (and of later ones at once). */
  start(): void {
    if (this.#started || this.#halted) return;
    this.#started = true;
    for (const registration of this.#pending.splice(0)) this.#schedule(registration, registration.firstMs);
  }

  /** Clears every timer: nothing runs from now on (callbacks in flight finish). */
  halt(): void {
    this.#halted = true;
    this.#pending.length = 0;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  /** Halts and waits for the callbacks in flight. */
  async stop(): Promise<void> {
    this.halt();
    await Promise.all(this.#inFlight);
  }

  /** Counts: timers waiting, callbacks running, runs completed and failed. */
  status(): { readonly scheduled: number; readonly running: number; readonly runs: number; readonly failures: number } {
    return {
      scheduled: this.#timers.size + this.#pending.length,
      running: this.#inFlight.size,
      runs: this.#runs,
      failures: this.#failures,
    };
  }

  #schedule(registration: Registration, baseMs: number): void {
    if (this.#halted) return;
    const delay = baseMs + Math.random() * registration.jitterMs;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      const run = this.#run(registration).finally(() => {
        this.#inFlight.delete(run);
        if (registration.periodMs > 0) this.#schedule(registration, registration.periodMs);
      });
      this.#inFlight.add(run);
    }, delay);
    this.#timers.add(timer);
  }

  /** Runs a callback once; never rejects. */
  async #run(registration: Registration): Promise<void> {
    try {
      await registration.callback();
      this.#runs += 1;
    } catch (error) {
      this.#failures += 1;
      this.logger.error(
        `${this.owner}: callback ${registration.callback.name || "(anonymous)"} failed: ${errorMessage(error)}`,
        error,
      );
    }
  }
}
