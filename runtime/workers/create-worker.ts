/**
 * A worker from a plain function, for when a subclass is more ceremony than the job needs.
 */
import { kebabCase } from "./names.js";
import { Worker } from "./worker.js";
import type { WorkerOptions } from "./types.js";

/** Options of {@link createWorker}: the usual worker options plus the lifecycle hooks. */
export interface CreateWorkerOptions extends WorkerOptions {
  /** Runs before `run` (a rejection fails the startup), as {@link Worker}'s `onStartup`. */
  onStartup?: () => void | Promise<void>;
  /** Runs once `run` has settled, as {@link Worker}'s `onShutdown`. */
  onShutdown?: () => void | Promise<void>;
}

/**
 * The body of a worker made by {@link createWorker}: runs once, until `signal` aborts (return
 * then) or its job is done. `worker` gives access to `cancelSignal`, `isRunning()`, the name...
 */
export type WorkerRun = (signal: AbortSignal, worker: Worker) => Promise<void>;

class FunctionWorker extends Worker {
  readonly #body: WorkerRun;
  readonly #hooks: CreateWorkerOptions;

  constructor(body: WorkerRun, options: CreateWorkerOptions) {
    super({ ...options, name: options.name || kebabCase(body.name) || "worker" });
    this.#body = body;
    this.#hooks = options;
  }

  protected override async onStartup(): Promise<void> {
    await this.#hooks.onStartup?.();
  }

  protected override async onShutdown(): Promise<void> {
    await this.#hooks.onShutdown?.();
  }

  protected override run(signal: AbortSignal): Promise<void> {
    return this.#body(signal, this);
  }
}

/**
 * Makes a worker whose `run` is `body`, called ONCE (unlike {@link WorkerFunction}, which calls
 * its function over and over). Suits a loop that owns its own waiting, such as consuming a
 * subscription bound to the signal. Named after `options.name`, else the function's name in kebab-case.
 *
 * @example
 * ```ts
 * const subscriber = createWorker(async (signal) => {
 *   for await (const event of api.pubsub.subscribe("prices", { signal })) console.log(event.dataAsText());
 * }, { name: "prices-subscriber" });
 * await subscriber.startup();
 * // ...
 * await subscriber.shutdown(); // aborts the signal: the subscription ends, run returns
 * ```
 */
export function createWorker(body: WorkerRun, options: CreateWorkerOptions = {}): Worker {
  return new FunctionWorker(body, options);
}
