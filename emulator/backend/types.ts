/**
 * The seam between the emulator's services and where state and pub/sub live.
 *
 * Services (Gateway, State, Pubsub, WorkManager, WebSocketManager) only talk to these two
 * interfaces, so an in-memory backend (the default) and a Redis backend (later) are
 * interchangeable.
 */

/** One pub/sub event as the emulator stores and delivers it (a CloudEvent in Dapr's shape). */
export interface BusEvent {
  /** Topic the event was published on. */
  readonly topic: string;
  /** CloudEvent data. */
  readonly data: Uint8Array;
  /**
   * CloudEvent attributes as `ce-*` keys (`ce-id`, `ce-type`, `ce-source`, `ce-time`,
   * `ce-specversion`, `ce-datacontenttype`) and extensions without prefix (`correlationid`,
   * `replytopic`, ...). Always contains `ce-id` and `ce-time` once published.
   */
  readonly metadata: Readonly<Record<string, string>>;
  /** Unique id of the event (equal to `metadata["ce-id"]`). */
  readonly id: string;
  /** RFC 3339 publish time (equal to `metadata["ce-time"]`). */
  readonly time: string;
}

/** How a subscriber receives events. */
export interface SubscribeOptions {
  /**
   * Competing-consumer group. Subscribers that share a non-empty `queue` on one topic share its
   * events: each event goes to exactly one of them (round robin among those ready). Subscribers
   * without a queue each receive every event (fan-out).
   */
  readonly queue?: string;
  /**
   * Resume a fan-out subscription after the event with this id (`ce-id`), as SSE's
   * `Last-Event-ID`: every later event still retained is delivered first. `"0"` means from the
   * oldest retained event; an id no longer retained resumes from the oldest too. Only backends
   * with `resumable` honour it; the others start from now.
   */
  readonly resumeAfter?: string;
}

/** A live subscription; `close()` is idempotent. */
export interface BusSubscription {
  /** Stops delivery to this subscriber. */
  close(): void;
  /**
   * Settles once the subscription is positioned in its topic (events published after that are
   * delivered), with the id of the last event before that position (`"0"` when there is none) —
   * what a client sends back to resume. Absent on backends that deliver from the moment of
   * `subscribe` and cannot resume; rejects when the backend is unavailable.
   */
  readonly ready?: Promise<string>;
}

/**
 * Delivers one event to a subscriber. For queue subscribers the returned promise is the
 * acknowledgement: the subscriber receives its next event only after it settles (one in-flight
 * event per queue subscriber).
 */
export type BusListener = (event: BusEvent) => void | Promise<void>;

/** Pub/sub storage and delivery. */
export interface PubsubBackend {
  /** True when subscriptions can resume after a given event id (`SubscribeOptions.resumeAfter`). */
  readonly resumable?: boolean;
  /**
   * Publishes an event. Fills `ce-id` (a UUID), `ce-time` (now, RFC 3339) and
   * `ce-specversion` ("1.0") when absent, and returns the event as delivered.
   */
  publish(topic: string, data: Uint8Array, metadata: Record<string, string>): Promise<BusEvent>;
  /** Subscribes a listener to a topic ("*" receives every topic, fan-out only). */
  subscribe(topic: string, listener: BusListener, options?: SubscribeOptions): BusSubscription;
  /** Closes every subscription and frees resources. */
  close(): Promise<void>;
}

/** A stored value with its etag. */
export interface StateEntry {
  /** The value. */
  readonly value: string;
  /** The etag, changed by every write. */
  readonly etag: string;
}

/** Raised by a state backend when a given etag is not current. */
export class EtagMismatch extends Error {
  /** Creates the error for a key. */
  constructor(readonly key: string) {
    super(`etag mismatch for key "${key}"`);
    this.name = "EtagMismatch";
  }
}

/** Conditions of {@link StateBackend.set} beyond the etag. */
export interface SetOptions {
  /** Write only if the key has no value (else EtagMismatch): Dapr's first-write without an etag. */
  readonly onlyIfAbsent?: boolean;
}

/** Key-value state with etags, namespaced by service. */
export interface StateBackend {
  /** Reads a value, or undefined when the key is missing. */
  get(service: string, key: string): Promise<StateEntry | undefined>;
  /**
   * Writes a value. With a non-empty etag the write applies only if it equals the current etag
   * (else throws EtagMismatch; a missing key has no current etag, so any etag mismatches).
   * Returns the new entry. Atomic with respect to other calls.
   */
  set(service: string, key: string, value: string, etag?: string, options?: SetOptions): Promise<StateEntry>;
  /**
   * Deletes a key; returns the deleted entry, or undefined when it was missing. With a non-empty
   * etag the delete applies only if it equals the current etag (else throws EtagMismatch; a
   * missing key mismatches any etag).
   */
  delete(service: string, key: string, etag?: string): Promise<StateEntry | undefined>;
  /** Registers keys of a service for `getAll` (idempotent). */
  registerKeys(service: string, keys: readonly string[]): Promise<void>;
  /** Reads every registered key of a service that has a value. */
  getAll(service: string): Promise<Map<string, string>>;
  /** Frees resources. */
  close(): Promise<void>;
}

/**
 * Mutual exclusion by name, for worker groups ("members of one group never process at the same
 * time"). The in-memory default holds within one process; a shared backend's holds across every
 * emulator on it.
 */
export interface GroupLocks {
  /** Runs `fn` while holding the lock named `key`; waiters run one at a time. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T>;
}
