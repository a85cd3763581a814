/**
 * The state part of the platform client: values per service and key, with etags for
 * optimistic concurrency and a read-modify-write loop that retries until it wins.
 */
import type { StateApi } from "../../generated/virtufin/state_client.js";
import { type CallOptions } from "../../runtime/call-options.js";
import { Code, EtagMismatchError, invalidArgument, VirtufinError } from "../../runtime/errors.js";
import { sleep } from "../../runtime/sleep.js";
import { backoffDelay } from "../../runtime/backoff.js";

/** Options of {@link PlatformState.save}. */
export interface SaveOptions extends CallOptions {
  /** Save only if this etag (from `get`) is still current; otherwise EtagMismatchError. */
  etag?: string;
  /** Put the new value into the state-change event. */
  includeValue?: boolean;
}

/** Options of {@link PlatformState.delete}. */
export interface DeleteOptions extends CallOptions {
  /** Put the deleted value into the state-change event. */
  includeValue?: boolean;
}

/** Options of {@link PlatformState.update}. */
export interface UpdateOptions extends CallOptions {
  /** How many read-modify-write rounds to try before giving up (default 100). */
  maxAttempts?: number;
  /** Put the new value into the state-change event. */
  includeValue?: boolean;
}

/** A value read with its etag. */
export interface StateValue<T = string> {
  /** The value; undefined when the key does not exist. */
  readonly value: T | undefined;
  /** The etag to pass to `save`; empty when the key does not exist. */
  readonly etag: string;
}

/**
 * Save, read, list and delete state (seed: `save_state_async`, `get_state_async`, ...).
 * Keys are namespaced by the owning service ("workmanager", "websocketmanager", ...).
 */
export class PlatformState {
  readonly #state: StateApi;

  /** Calls through a generated State client (the owning ApiClient's `StateClient`, on its connection). */
  constructor(state: StateApi) {
    this.#state = state;
  }

  /**
   * Saves a value. With `etag`, the save applies only if the etag is still current, else it
   * throws EtagMismatchError (code ABORTED); without one the last write wins.
   */
  async save(service: string, key: string, value: string, options: SaveOptions = {}): Promise<void> {
    checkName("service", service);
    checkName("key", key);
    if (typeof value !== "string") throw invalidArgument(`state values are strings; use saveJson for ${typeof value} values`);
    try {
      await this.#state.saveState(
        { service, key, value, etag: options.etag ?? "", includeValue: options.includeValue ?? false },
        // A save guarded by an etag cannot apply twice, so it may be retried; a blind one may not.
        { ...options, idempotent: options.idempotent ?? Boolean(options.etag) },
      );
    } catch (error) {
      throw etagAware(error, service, key);
    }
  }

  /** Reads a value and its etag; a missing key reads as `{ value: undefined, etag: "" }`. */
  async get(service: string, key: string, options?: CallOptions): Promise<StateValue> {
    checkName("service", service);
    checkName("key", key);
    const response = await this.#state.getState({ service, key }, options);
    // The platform reports a missing key as an empty value with an empty etag.
    const missing = response.etag === "" && response.value === "";
    return { value: missing ? undefined : response.value, etag: response.etag };
  }

  /** Reads every registered key of a service with its value. */
  async getAll(service: string, options?: CallOptions): Promise<Record<string, string>> {
    checkName("service", service);
    return { ...(await this.#state.getAllState({ service }, options)) };
  }

  /** Registers keys so that `getAll` lists them. */
  async registerKeys(service: string, keys: readonly string[], options?: CallOptions): Promise<void> {
    checkName("service", service);
    keys.forEach((key) => checkName("key", key));
    await this.#state.registerKeys({ service, keys: [...keys] }, options);
  }

  /** Deletes a key (deleting a missing key succeeds). */
  async delete(service: string, key: string, options: DeleteOptions = {}): Promise<void> {
    checkName("service", service);
    checkName("key", key);
    await this.#state.deleteState({ service, key, includeValue: options.includeValue ?? false }, options);
  }

  /**
   * Read-modify-write with etags: reads the value, applies `fn`, saves with the etag read, and
   * starts over when another writer got there first, until it wins or `maxAttempts` rounds have
   * failed (then a VirtufinError with code ABORTED). Returns the value written.
   *
   * The platform cannot make the first write of a missing key conditional (an empty etag means
   * "last write wins"), so concurrent updates of a key that does not exist yet may overwrite
   * each other once; create the key first when that matters.
   */
  async update(
    service: string,
    key: string,
    fn: (current: string | undefined) => string | Promise<string>,
    options: UpdateOptions = {},
  ): Promise<string> {
    const maxAttempts = options.maxAttempts ?? 100;
    for (let attempt = 1; ; attempt++) {
      options.signal?.throwIfAborted();
      const { value, etag } = await this.get(service, key, options);
      const next = await fn(value);
      try {
        await this.save(service, key, next, { ...options, etag: etag || undefined });
        return next;
      } catch (error) {
        if (!(error instanceof EtagMismatchError)) throw error;
        if (attempt >= maxAttempts) {
          throw new VirtufinError(
            `update of "${service}/${key}" gave up after ${maxAttempts} attempts: other writers kept changing it`,
            Code.Aborted,
          );
        }
        await sleep(backoffDelay(attempt, { initialMs: 2, maxMs: 50 }), options.signal);
      }
    }
  }

  /** Reads a JSON value; a value that is not JSON is a VirtufinError (INVALID_ARGUMENT). */
  async getJson<T>(service: string, key: string, options?: CallOptions): Promise<StateValue<T>> {
    const { value, etag } = await this.get(service, key, options);
    return { value: value === undefined ? undefined : parseJson<T>(value, service, key), etag };
  }

  /** Saves a value as JSON. */
  saveJson(service: string, key: string, value: unknown, options?: SaveOptions): Promise<void> {
    return this.save(service, key, JSON.stringify(value), options);
  }

  /** `update` for JSON values. */
  async updateJson<T>(
    service: string,
    key: string,
    fn: (current: T | undefined) => T | Promise<T>,
    options?: UpdateOptions,
  ): Promise<T> {
    const text = await this.update(
      service,
      key,
      async (current) => JSON.stringify(await fn(current === undefined ? undefined : parseJson<T>(current, service, key))),
      options,
    );
    return JSON.parse(text) as T;
  }
}

function etagAware(error: unknown, service: string, key: string): unknown {
  // The message names the key (the transport's and throwIfFailed's do not).
  if (error instanceof VirtufinError && error.code === Code.Aborted) {
    return new EtagMismatchError(
      `etag mismatch on "${service}/${key}": the value changed since it was read`,
      { service, key },
      error,
    );
  }
  return error;
}

function parseJson<T>(text: string, service: string, key: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new VirtufinError(`state "${service}/${key}" is not JSON: ${(error as Error).message}`, Code.InvalidArgument);
  }
}

function checkName(what: string, value: string): void {
  if (typeof value !== "string" || value.trim() === "") {
    throw new VirtufinError(`the state ${what} must be a non-empty string, got ${JSON.stringify(value)}`, Code.InvalidArgument);
  }
}
