/**
 * A queue consumer that hands each message to the callbacks registered for its type on an
 * {@link AsyncDispatcher} (seed: aio-fluid's `AsyncConsumer`).
 */
import { AsyncDispatcher, type CallbackError } from "./async-dispatcher.js";
import { errorMessage } from "./errors.js";
import { QueueConsumerRunner, type QueueConsumerRunnerOptions, type QueueConsumerRunnerStatus } from "./queue-consumer-runner.js";
import { invalidArgument } from "../errors.js";

/** Options of an {@link AsyncConsumer}: a queue consumer's, with callback failures reported here. */
export interface AsyncConsumerOptions<T> extends Omit<QueueConsumerRunnerOptions<T>, "onError"> {
  /**
   * Called for each callback that throws (the message's other callbacks still run, and the
   * consumer goes on). Default: the runner's logger, at error level.
   */
  onCallbackError?: (error: CallbackError<T>) => void | Promise<void>;
}

/** The status of an {@link AsyncConsumer}: a queue consumer's plus the dispatch counts. */
export interface AsyncConsumerStatus extends QueueConsumerRunnerStatus {
  /** Callbacks that threw. */
  readonly callbackErrors: number;
  /** Messages of a type no callback was registered for. */
  readonly unhandled: number;
  /** The message types that have callbacks right now. */
  readonly types: readonly string[];
}

/**
 * A runner with a bounded inbox whose messages are dispatched to async callbacks by type: the
 * lifecycle, inbox (`send`, `trySend`, `queueSize`, `drain`), concurrency and stop modes of
 * {@link QueueConsumerRunner}, with a dispatcher as its handler. Callbacks may be registered and
 * unregistered on the dispatcher at any time; a callback that throws is reported (see
 * {@link AsyncConsumerOptions.onCallbackError}) without failing the consumer or the message's
 * other callbacks.
 *
 * @example
 * ```ts
 * const dispatcher = new AsyncDispatcher<PubsubEvent>((event) => event.type ?? "");
 * dispatcher.register("price.tick", async (event) => store(event.dataAsJson()));
 * const consumer = new AsyncConsumer(dispatcher, { capacity: 1_000 });
 * const subscriber = createRunner(async (signal) => {
 *   for await (const event of api.pubsub.subscribe("prices", { signal })) await consumer.send(event);
 * });
 * const group = new Runners({ runners: [consumer, subscriber] });
 * await group.startup();
 * ```
 */
export class AsyncConsumer<T> extends QueueConsumerRunner<T> {
  /** Where messages are dispatched (seed: `dispatcher`). */
  readonly dispatcher: AsyncDispatcher<T>;
  readonly #onCallbackError: AsyncConsumerOptions<T>["onCallbackError"];
  #callbackErrors = 0;
  #unhandled = 0;

  /** @param dispatcher the callbacks by type; @param options capacity, concurrency, stop mode, failure report */
  constructor(dispatcher: AsyncDispatcher<T>, options: AsyncConsumerOptions<T> = {}) {
    if (!(dispatcher instanceof AsyncDispatcher)) throw invalidArgument("AsyncConsumer needs an AsyncDispatcher");
    // The handler needs `this`, which exists only after super(): it is bound through `self`.
    // eslint-disable-next-line prefer-const -- assigned after super(), which the handler's closure precedes
    let self: AsyncConsumer<T> | undefined;
    super((message) => (self as AsyncConsumer<T>).#consume(message), { ...options, onError: undefined });
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- `this` does not exist yet where the handler is made
    self = this;
    this.dispatcher = dispatcher;
    this.#onCallbackError = options.onCallbackError;
  }

  /** The queue consumer status plus callback failures, unhandled messages and the types listened to. */
  override status(): AsyncConsumerStatus {
    return {
      ...super.status(),
      callbackErrors: this.#callbackErrors,
      unhandled: this.#unhandled,
      types: this.dispatcher.types(),
    };
  }

  /** Dispatches one message; never throws for a callback (failures are reported). */
  async #consume(message: T): Promise<void> {
    const result = await this.dispatcher.dispatch(message);
    if (result.handled === 0) this.#unhandled += 1;
    for (const failure of result.failures) {
      this.#callbackErrors += 1;
      try {
        if (this.#onCallbackError) await this.#onCallbackError(failure);
        else this.logger.error(`${this.name}: ${failure.message}`, failure);
      } catch (reportFailure) {
        this.logger.error(`${this.name}: onCallbackError threw: ${errorMessage(reportFailure)}`, reportFailure);
      }
    }
  }
}
