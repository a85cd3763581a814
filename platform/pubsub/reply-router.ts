/**
 * Request-reply over pub/sub: many requests waiting on one reply topic share one subscription,
 * and each reply is routed to its request by correlation id.
 *
 * Guarantees: the subscription is live before a request is published (see
 * `PlatformPubsub.subscribeReady`), again after its stream dropped and reconnected; a request
 * settles exactly once (reply, timeout, abort or publish failure) and is removed from the pending
 * table when it does; replies that arrive late or twice find nothing pending and are dropped. When nothing is pending for LINGER_MS (10 s), the subscription
 * is closed.
 */
import { Code, RequestTimeoutError, VirtufinError } from "../../runtime/errors.js";
import type { PubsubEvent } from "./event.js";

/** What a router needs from the pub/sub client. */
export interface ReplyTransport {
  /**
   * Subscribes to a topic and resolves once the server has registered the subscription; the
   * iterable ends quietly when `signal` aborts.
   */
  subscribeReady(
    topic: string,
    options: { signal: AbortSignal; onReconnect?: (info: { readonly resumes?: boolean }) => void },
  ): Promise<AsyncIterable<PubsubEvent>>;
}

/** The shared subscription of a router. */
interface Subscription {
  readonly controller: AbortController;
  /** Settles once the server has registered the subscription. */
  ready: Promise<void>;
  /** True once `ready` has resolved. */
  live: boolean;
}

interface Pending {
  resolve(event: PubsubEvent): void;
  reject(error: unknown): void;
}

/** How long the subscription stays open with nothing pending. */
const LINGER_MS = 10_000;

/** Routes replies on one topic to the requests waiting for them. */
export class ReplyRouter {
  readonly #pending = new Map<string, Pending>();
  readonly #transport: ReplyTransport;
  #subscription: Subscription | undefined;
  #lingerTimer: ReturnType<typeof setTimeout> | undefined;

  /** Creates a router for replies on `topic`. Nothing is opened until the first request. */
  constructor(
    readonly topic: string,
    transport: ReplyTransport,
  ) {
    this.#transport = transport;
  }

  /** How many requests are waiting for a reply. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Waits for the reply correlated with `correlationId`: makes sure the subscription is live,
   * registers the request, then calls `publish`. Rejects with RequestTimeoutError after
   * `timeoutMs`, with a Canceled VirtufinError on abort, or with the publish error.
   */
  async request(
    correlationId: string,
    publish: () => Promise<void>,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<PubsubEvent> {
    if (this.#pending.has(correlationId)) {
      throw new VirtufinError(`a request with correlation id "${correlationId}" is already waiting`, Code.AlreadyExists);
    }
    if (signal?.aborted) throw canceled();
    this.#cancelLinger();
    // Count the request as pending while the subscription comes up, so lingering cannot close it.
    let settle!: Pending;
    const result = new Promise<PubsubEvent>((resolve, reject) => (settle = { resolve, reject }));
    const onAbort = () => finish(() => settle.reject(canceled()));
    const finish = (action: () => void) => {
      if (this.#pending.get(correlationId) !== entry) return;
      this.#pending.delete(correlationId);
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      action();
      if (this.#pending.size === 0) this.#scheduleLinger();
    };
    const entry: Pending = {
      resolve: (event) => finish(() => settle.resolve(event)),
      reject: (error) => finish(() => settle.reject(error)),
    };
    this.#pending.set(correlationId, entry);
    const timer = setTimeout(
      () =>
        entry.reject(
          new RequestTimeoutError(
            `no reply on "${this.topic}" within ${timeoutMs} ms (correlation id ${correlationId})`,
            timeoutMs,
          ),
        ),
      timeoutMs,
    );
    signal?.addEventListener("abort", onAbort, { once: true });
    // Subscribe and publish in the background and hand `result` to the caller now: a request
    // aborted or timed out while the subscription comes up settles at once, and its rejection
    // always has a handler (never an unhandled rejection).
    void (async () => {
      try {
        await this.#ready();
        if (this.#pending.get(correlationId) === entry) await publish();
      } catch (error) {
        entry.reject(VirtufinError.from(error));
      }
    })();
    return result;
  }

  /** Rejects every pending request and closes the subscription. */
  close(reason: unknown = new VirtufinError("the client was closed", Code.Canceled)): void {
    for (const pending of [...this.#pending.values()]) pending.reject(reason);
    this.#cancelLinger();
    this.#subscription?.controller.abort();
    this.#subscription = undefined;
  }

  #ready(): Promise<void> {
    this.#subscription ??= this.#start();
    return this.#subscription.ready;
  }

  /** Opens a shared subscription; a failed one is dropped, so the next request opens a new one. */
  #start(): Subscription {
    const subscription: Subscription = { controller: new AbortController(), ready: Promise.resolve(), live: false };
    subscription.ready = this.#open(subscription);
    subscription.ready.then(
      () => void (subscription.live = true),
      () => {
        if (this.#subscription === subscription) this.#subscription = undefined;
        subscription.controller.abort();
      },
    );
    return subscription;
  }

  /**
   * The stream of a live subscription dropped and is being reopened: until the server has it
   * again, a reply published there would be lost. New requests wait on a fresh subscription,
   * proven live like the first; the old one routes replies until then and is closed after.
   */
  #renew(old: Subscription): void {
    if (this.#subscription !== old || !old.live) return;
    const next = this.#start();
    this.#subscription = next;
    next.ready.then(
      () => old.controller.abort(),
      () => old.controller.abort(),
    );
  }

  /** Starts a subscription; resolves once it is live, then routes replies until closed. */
  async #open(subscription: Subscription): Promise<void> {
    const { controller } = subscription;
    // Proven live within subscribeReady's default time (10 s), or the requests waiting fail.
    const events = await this.#transport.subscribeReady(this.topic, {
      signal: controller.signal,
      // A stream that resumes after its last event loses no reply: no new subscription needed.
      onReconnect: (info) => {
        if (!info.resumes) this.#renew(subscription);
      },
    });
    const route = async () => {
      try {
        for await (const event of events) {
          const id = event.correlationId;
          if (id !== undefined) this.#pending.get(id)?.resolve(event);
        }
      } catch (error) {
        for (const pending of [...this.#pending.values()]) pending.reject(error);
      }
      if (this.#subscription === subscription) this.#subscription = undefined;
    };
    void route();
  }

  #scheduleLinger(): void {
    this.#cancelLinger();
    this.#lingerTimer = setTimeout(() => {
      if (this.#pending.size === 0) {
        this.#subscription?.controller.abort();
        this.#subscription = undefined;
      }
    }, LINGER_MS);
    this.#lingerTimer.unref?.();
  }

  #cancelLinger(): void {
    clearTimeout(this.#lingerTimer);
    this.#lingerTimer = undefined;
  }
}

function canceled(): VirtufinError {
  return new VirtufinError("the request was aborted", Code.Canceled);
}
