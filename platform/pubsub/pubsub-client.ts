/**
 * The pub/sub part of the platform client (seed: PubsubClient): publish, subscribe as an async
 * iterable or with a handler, and request-reply.
 */
import { Pubsub } from "../../generated/virtufin/pubsub_pb.js";
import { type CallOptions } from "../../runtime/call-options.js";
import { type ClientCore } from "../../runtime/client-core.js";
import { Code, errorFromStatus, VirtufinError } from "../../runtime/errors.js";
import { sleep } from "../../runtime/workers/sleep.js";
import { encodeData, type EventData } from "./encode.js";
import { PubsubEvent } from "./event.js";
import { reconnectingStream, type ReconnectInfo, type ReconnectOptions } from "./reconnecting-stream.js";
import { ReplyRouter } from "./reply-router.js";

/** Metadata key that marks liveness probes (see subscribeReady); user streams never show them. */
export const PROBE_KEY = "virtufinprobe";
import { replyError, Responder, type ResponderHandler, type ResponderOptions } from "./workers.js";

/** Options of {@link PlatformPubsub.publish}. */
export interface PublishOptions extends CallOptions {
  /** Extra CloudEvent attributes (`ce-*`) and extensions (`replytopic`, ...). */
  metadata?: Record<string, string>;
  /** The `correlationid` extension. */
  correlationId?: string;
  /** The CloudEvent `type` (`ce-type`). */
  type?: string;
  /** The CloudEvent `source` (`ce-source`). */
  source?: string;
  /** The payload's content type; by default derived from the data (JSON, text or bytes). */
  contentType?: string;
}

/** Options of {@link PlatformPubsub.subscribe}. */
export interface SubscribeOptions {
  /** Ends the iteration quietly when aborted. */
  signal?: AbortSignal;
  /** Reopen the stream after the server goes away (default true). */
  reconnect?: boolean | ReconnectOptions;
  /** Called before each reconnect, so a lost stream is never silent. */
  onReconnect?: (info: ReconnectInfo) => void;
}

/** Options of {@link PlatformPubsub.publishWithResult}. */
export interface PublishWithResultOptions {
  /** Topic the request is published to. */
  topic: string;
  /** The request payload. */
  data?: EventData;
  /** Topic the reply is expected on (sent as the `replytopic` extension). */
  replyTopic: string;
  /** How long to wait for the reply, in ms (default 30,000). */
  timeoutMs?: number;
  /** Extra metadata of the request. */
  metadata?: Record<string, string>;
  /** The correlation id (default: a new UUID). */
  correlationId?: string;
  /** The request's CloudEvent type. */
  type?: string;
  /** The request's CloudEvent source. */
  source?: string;
  /** Aborts the wait (the request is then rejected with code Canceled). */
  signal?: AbortSignal;
}

/** Receives the events of a handler-style subscription (seed: StreamEventHandler). */
export interface EventHandler<E = PubsubEvent> {
  /** Called for each event, one at a time; a returned promise is awaited before the next. */
  onEvent(event: E): void | Promise<void>;
  /**
   * Called when `onEvent` throws (the subscription goes on) or the subscription fails for good.
   * Without it, the first failure ends the subscription and rejects `done`.
   */
  onError?(error: VirtufinError): void;
}

/** A running handler-style subscription. */
export interface HandlerSubscription extends AsyncDisposable {
  /** Resolves when the subscription has ended (closed, or failed for good). */
  readonly done: Promise<void>;
  /** Stops the subscription and waits for the handler to finish its current event. */
  close(): Promise<void>;
}

/** Publish, subscribe and request-reply, over the platform's Pubsub service. */
export class PlatformPubsub {
  readonly #core: ClientCore;
  readonly #routers = new Map<string, ReplyRouter>();

  /** Uses the core of the owning ApiClient. */
  constructor(core: ClientCore) {
    this.#core = core;
  }

  /**
   * Publishes one event. Objects are sent as JSON, strings as text, bytes as they are. An
   * in-band failure is thrown as a VirtufinError with its status code.
   */
  async publish(topic: string, data?: EventData, options: PublishOptions = {}): Promise<void> {
    checkTopic(topic);
    const encoded = encodeData(data);
    const metadata: Record<string, string> = { "ce-datacontenttype": options.contentType ?? encoded.contentType, ...options.metadata };
    if (options.correlationId !== undefined) metadata["correlationid"] = options.correlationId;
    if (options.type !== undefined) metadata["ce-type"] = options.type;
    if (options.source !== undefined) metadata["ce-source"] = options.source;
    const response = await this.#core.unary(Pubsub.method.publishEvent, { topic, data: encoded.bytes, metadata }, options);
    if (response.status && !response.status.success) {
      throw errorFromStatus(response.status.status, response.status.message, `publish to "${topic}" failed`);
    }
  }

  /**
   * Subscribes to a topic: every event published to it from now on, as an async iterable that
   * ends when `signal` aborts or the loop is left. A dropped stream is reopened (reported
   * through `onReconnect`) and events are never delivered twice.
   */
  subscribe(topic: string, options: SubscribeOptions = {}): AsyncIterable<PubsubEvent> {
    checkTopic(topic);
    const raw = this.#subscribe(topic, options);
    return {
      async *[Symbol.asyncIterator]() {
        for await (const event of raw) if (event.metadata[PROBE_KEY] === undefined) yield event;
      },
    };
  }

  /**
   * Like {@link subscribe}, but resolves only once the server has registered the subscription
   * (proven by a probe event making the round trip), so nothing published after this resolves
   * is missed. Rejects with a VirtufinError (UNAVAILABLE) if that cannot be proven in
   * `readyTimeoutMs` (default 10,000 ms).
   */
  async subscribeReady(
    topic: string,
    options: SubscribeOptions & { readyTimeoutMs?: number } = {},
  ): Promise<AsyncIterable<PubsubEvent>> {
    checkTopic(topic);
    const probeId = `probe-${crypto.randomUUID()}`;
    // One signal ends the stream for the caller's abort and for the readiness deadline alike.
    const stream = new AbortController();
    const onAbort = () => stream.abort(options.signal?.reason);
    if (options.signal?.aborted) stream.abort();
    else options.signal?.addEventListener("abort", onAbort, { once: true });
    const iterator = this.#subscribe(topic, { ...options, signal: stream.signal })[Symbol.asyncIterator]();
    const early: PubsubEvent[] = [];
    const stopProbing = new AbortController();
    const probing = (async () => {
      for (let i = 0; !stopProbing.signal.aborted && i < 60; i++) {
        await this.publish(topic, undefined, { correlationId: probeId, metadata: { [PROBE_KEY]: "1" }, signal: stopProbing.signal }).catch(() => undefined);
        await sleep(Math.min(20 * 2 ** i, 500), stopProbing.signal);
      }
    })();
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      stream.abort();
    }, options.readyTimeoutMs ?? 10_000);
    try {
      for (;;) {
        const next = await iterator.next();
        if (next.done) {
          options.signal?.removeEventListener("abort", onAbort);
          if (!timedOut) throw new VirtufinError(`subscription to "${topic}" was aborted before it became live`, Code.Canceled);
          throw new VirtufinError(`subscription to "${topic}" did not become live in time`, Code.Unavailable);
        }
        const event = next.value;
        if (event.metadata[PROBE_KEY] === undefined) early.push(event);
        else if (event.correlationId === probeId) break;
      }
    } finally {
      clearTimeout(deadline);
      stopProbing.abort();
      await probing;
    }
    return {
      [Symbol.asyncIterator]: () => {
        let i = 0;
        return {
          async next(): Promise<IteratorResult<PubsubEvent>> {
            if (i < early.length) return { done: false, value: early[i++]! };
            for (;;) {
              const next = await iterator.next();
              // Once the stream is over, the caller's signal (often long-lived) must not keep our listener.
              if (next.done) options.signal?.removeEventListener("abort", onAbort);
              if (next.done || next.value.metadata[PROBE_KEY] === undefined) return next as IteratorResult<PubsubEvent>;
            }
          },
          async return(): Promise<IteratorResult<PubsubEvent>> {
            options.signal?.removeEventListener("abort", onAbort);
            await iterator.return?.();
            return { done: true, value: undefined };
          },
        };
      },
    };
  }

  /**
   * Subscribes with a handler (seed: `subscribe_async_with_handler`): events are passed to
   * `onEvent` one at a time; errors go to `onError`. Returns a handle to stop it.
   */
  subscribeWithHandler(
    topic: string,
    handler: EventHandler | ((event: PubsubEvent) => void | Promise<void>),
    options: Omit<SubscribeOptions, "signal"> = {},
  ): HandlerSubscription {
    return runHandler((signal) => this.subscribe(topic, { ...options, signal }), handler);
  }

  /**
   * Publishes a request and waits for the correlated reply on `replyTopic` (seed:
   * `publish_with_result_async`). Requests sharing a reply topic share one subscription, which
   * is live before the request is published. Rejects with RequestTimeoutError when no reply
   * arrives in time, and with the reported error when the responder answered with
   * `errorcode`/`errormessage` metadata.
   */
  async publishWithResult(request: PublishWithResultOptions): Promise<PubsubEvent> {
    checkTopic(request.topic);
    checkTopic(request.replyTopic);
    const correlationId = request.correlationId ?? crypto.randomUUID();
    const timeoutMs = request.timeoutMs ?? 30_000;
    const router = this.replyRouter(request.replyTopic);
    const metadata = { ...request.metadata, replytopic: request.replyTopic };
    const reply = await router.request(
      correlationId,
      () =>
        this.publish(request.topic, request.data, {
          metadata,
          correlationId,
          type: request.type,
          source: request.source,
          signal: request.signal,
        }),
      timeoutMs,
      request.signal,
    );
    const failure = replyError(reply);
    if (failure) throw failure;
    return reply;
  }

  /**
   * Runs a request-reply responder on `topic` as a worker (call `startup()`): each request's
   * reply is published to its `replytopic` with its correlation id. See {@link Responder}.
   */
  serve(topic: string, handler: ResponderHandler, options: ResponderOptions = {}): Responder {
    checkTopic(topic);
    return new Responder(this, topic, handler, options);
  }

  /**
   * The shared reply router of a reply topic (used by generated request-reply clients too).
   * @internal
   */
  replyRouter(replyTopic: string): ReplyRouter {
    let router = this.#routers.get(replyTopic);
    if (!router) {
      router = new ReplyRouter(replyTopic, this);
      this.#routers.set(replyTopic, router);
    }
    return router;
  }

  /** Rejects every pending request-reply and closes their subscriptions. */
  close(): void {
    for (const router of this.#routers.values()) router.close();
    this.#routers.clear();
  }

  #subscribe(topic: string, options: SubscribeOptions): AsyncIterable<PubsubEvent> {
    const core = this.#core;
    return reconnectingStream(
      (signal) => ({
        async *[Symbol.asyncIterator]() {
          for await (const message of core.serverStream(Pubsub.method.subscribe, { topic }, { signal })) {
            yield new PubsubEvent(message);
          }
        },
      }),
      { signal: options.signal, reconnect: options.reconnect, onReconnect: options.onReconnect, idOf: (e) => e.messageId },
    );
  }
}

/** Runs an event source through a handler until closed; shared by every handler-style API. */
export function runHandler<E>(
  source: (signal: AbortSignal) => AsyncIterable<E>,
  handler: EventHandler<E> | ((event: E) => void | Promise<void>),
): HandlerSubscription {
  const { onEvent, onError } = typeof handler === "function" ? { onEvent: handler, onError: undefined } : handler;
  const controller = new AbortController();
  // With an onError, failures are reported and the subscription goes on (or ends, if the stream
  // itself failed). Without one, the first failure ends the subscription and rejects `done`.
  const done = (async () => {
    try {
      for await (const event of source(controller.signal)) {
        try {
          await onEvent.call(handler, event);
        } catch (error) {
          if (!onError) throw error;
          onError.call(handler, VirtufinError.from(error));
        }
      }
    } catch (error) {
      if (controller.signal.aborted) return;
      if (!onError) throw VirtufinError.from(error);
      onError.call(handler, VirtufinError.from(error));
    }
  })();
  const close = async () => {
    controller.abort();
    await done.catch(() => undefined);
  };
  return { done, close, [Symbol.asyncDispose]: close };
}

function checkTopic(topic: string): void {
  if (typeof topic !== "string" || topic.trim() === "") {
    throw new VirtufinError(`a topic must be a non-empty string, got ${JSON.stringify(topic)}`, Code.InvalidArgument);
  }
}
