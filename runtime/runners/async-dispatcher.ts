/**
 * Async callbacks registered per message type (seed: aio-fluid's `AsyncDispatcher`), run for
 * each message of their type by {@link AsyncConsumer} or by anyone calling `dispatch`.
 */
import { errorMessage } from "./errors.js";
import { invalidArgument } from "../errors.js";

/** A callback for messages of one type. */
export type AsyncCallback<T> = (message: T) => void | Promise<void>;

/** A callback that threw, with the message and type it was dispatched for. */
export class CallbackError<T = unknown> extends Error {
  /**
   * @param type the message type
   * @param tag the callback's tag ("" when registered without one)
   * @param data the message
   * @param cause what the callback threw
   */
  constructor(
    readonly type: string,
    readonly tag: string,
    readonly data: T,
    cause: unknown,
  ) {
    super(`callback ${tag ? `"${tag}" ` : ""}for "${type}" failed: ${errorMessage(cause)}`, { cause });
    this.name = "CallbackError";
  }
}

/** What one dispatch did. */
export interface DispatchResult<T> {
  /** The message's type. */
  readonly type: string;
  /** How many callbacks ran (0: none is registered for the type). */
  readonly handled: number;
  /** The callbacks that threw; the others' work is done all the same. */
  readonly failures: readonly CallbackError<T>[];
}

interface Entry<T> {
  readonly callback: AsyncCallback<T>;
  readonly tag: string;
}

/**
 * Callbacks by message type; `messageType` tells a message's type. Several callbacks may listen to
 * one type (each registration is its own, even of the same function); they run concurrently, and
 * one that throws does not stop the others: `dispatch` waits for all of them and returns the
 * failures instead of throwing.
 *
 * @example
 * ```ts
 * const dispatcher = new AsyncDispatcher<PubsubEvent>((event) => event.type ?? "");
 * dispatcher.register("order.created", async (event) => save(event.dataAsJson()), "store");
 * dispatcher.register("order.created", async (event) => notify(event), "notify");
 * const { handled, failures } = await dispatcher.dispatch(event);
 * ```
 */
export class AsyncDispatcher<T> {
  readonly #messageType: (message: T) => string;
  readonly #byType = new Map<string, Entry<T>[]>();

  /** @param messageType the type of a message (seed: `message_type`), e.g. a CloudEvent's `type` */
  constructor(messageType: (message: T) => string) {
    if (typeof messageType !== "function") throw invalidArgument("AsyncDispatcher needs a messageType function");
    this.#messageType = messageType;
  }

  /** The type of a message, as callbacks are registered under. */
  messageType(message: T): string {
    return this.#messageType(message);
  }

  /**
   * Registers `callback` for messages of `type` (seed: `register_handler`); `tag` names it for
   * `unregister` and in failures. Returns a function that unregisters this registration only.
   */
  register(type: string, callback: AsyncCallback<T>, tag = ""): () => boolean {
    if (typeof callback !== "function") throw invalidArgument(`the callback for "${type}" must be a function`);
    const entry: Entry<T> = { callback, tag };
    const list = this.#byType.get(type) ?? [];
    list.push(entry);
    this.#byType.set(type, list);
    return () => this.#remove(type, (e) => e === entry) > 0;
  }

  /**
   * Unregisters callbacks of `type` (seed: `unregister_handler`): those registered with this tag
   * or this function, or all of them when neither is given. Returns how many were removed.
   */
  unregister(type: string, which?: string | AsyncCallback<T>): number {
    if (which === undefined) return this.#remove(type, () => true);
    return this.#remove(type, (e) => (typeof which === "string" ? e.tag === which : e.callback === which));
  }

  /** How many callbacks listen to `type`, or to all types when omitted. */
  callbackCount(type?: string): number {
    if (type !== undefined) return this.#byType.get(type)?.length ?? 0;
    let n = 0;
    for (const list of this.#byType.values()) n += list.length;
    return n;
  }

  /** The types that have callbacks. */
  types(): string[] {
    return [...this.#byType.keys()];
  }

  /**
   * Runs every callback registered for the message's type, concurrently, and waits for all of
   * them. Never throws for a callback: failures are returned, each a {@link CallbackError}.
   */
  async dispatch(message: T): Promise<DispatchResult<T>> {
    const type = this.#messageType(message);
    // A snapshot: callbacks (un)registered while dispatching apply to the next message.
    const entries = [...(this.#byType.get(type) ?? [])];
    const outcomes = await Promise.allSettled(entries.map(async (entry) => entry.callback(message)));
    const failures: CallbackError<T>[] = [];
    outcomes.forEach((outcome, i) => {
      if (outcome.status === "rejected") failures.push(new CallbackError(type, entries[i]?.tag ?? "", message, outcome.reason));
    });
    return { type, handled: entries.length, failures };
  }

  #remove(type: string, match: (entry: Entry<T>) => boolean): number {
    const list = this.#byType.get(type);
    if (!list) return 0;
    const kept = list.filter((entry) => !match(entry));
    if (kept.length === 0) this.#byType.delete(type);
    else this.#byType.set(type, kept);
    return list.length - kept.length;
  }
}
