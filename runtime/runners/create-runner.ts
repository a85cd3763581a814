/**
 * A runner from a plain function, for when a subclass is more ceremony than the job needs.
 */
import { kebabCase } from "./names.js";
import { Runner } from "./runner.js";
import type { RunnerOptions } from "./types.js";

/** Options of {@link createRunner}: the usual runner options plus the lifecycle hooks. */
export interface CreateRunnerOptions extends RunnerOptions {
  /** Runs before `run` (a rejection fails the startup), as {@link Runner}'s `onStartup`. */
  onStartup?: () => void | Promise<void>;
  /** Runs once `run` has settled, as {@link Runner}'s `onShutdown`. */
  onShutdown?: () => void | Promise<void>;
}

/**
 * The body of a runner made by {@link createRunner}: runs once, until `signal` aborts (return
 * then) or its job is done. `runner` gives access to `cancelSignal`, `isRunning()`, the name...
 */
export type RunnerBody = (signal: AbortSignal, runner: Runner) => Promise<void>;

class FunctionRunner extends Runner {
  readonly #body: RunnerBody;
  readonly #hooks: CreateRunnerOptions;

  constructor(body: RunnerBody, options: CreateRunnerOptions) {
    super({ ...options, name: options.name || kebabCase(body.name) || "runner" });
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
 * Makes a runner whose `run` is `body`, called ONCE (unlike {@link RunnerFunction}, which calls
 * its function over and over). Suits a loop that owns its own waiting, such as consuming a
 * subscription bound to the signal. Named after `options.name`, else the function's name in kebab-case.
 *
 * @example
 * ```ts
 * const subscriber = createRunner(async (signal) => {
 *   for await (const event of api.pubsub.subscribe("prices", { signal })) console.log(event.dataAsText());
 * }, { name: "prices-subscriber" });
 * await subscriber.startup();
 * // ...
 * await subscriber.shutdown(); // aborts the signal: the subscription ends, run returns
 * ```
 */
export function createRunner(body: RunnerBody, options: CreateRunnerOptions = {}): Runner {
  return new FunctionRunner(body, options);
}
