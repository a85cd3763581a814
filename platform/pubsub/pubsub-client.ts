/**
 * The pub/sub part of the platform client (seed: PubsubClient): publish, subscribe as an async
 * iterable or with a handler, and request-reply.
 */
import { createContextValues, type ContextValues } from "@connectrpc/connect";
import type { PubsubApi } from "../../generated/virtufin/pubsub_client.js";
import { type CallOptions } from "../../runtime/call-options.js";
import type { Connection } from "../../runtime/connection.js";
import type { TelemetrySupport } from "../../runtime/telemetry/support.js";
import type { Telemetry } from "../../runtime/telemetry/index.js";
import { mapAsync } from "../../runtime/client-core.js";
import { Code, VirtufinError } from "../../runtime/errors.js";
import { linkAbort } from "../../runtime/abort.js";
import { sleep } from "../../runtime/sleep.js";
import { UNTRACED_KEY } from "../../runtime/telemetry/context-keys.js";
import { encodeData, type EventData } from "./encode.js";
import { PubsubEvent } from "./event.js";
import { reconnectingStream, type ReconnectInfo } from "./reconnecting-stream.js";
import { ReplyRouter } from "./reply-router.js";
import { checkTopic } from "./check-topic.js";
// Types and the on/off check only: the tracing code comes with the connection's telemetry
// support, so that a page without telemetry does not carry it.
import type { ProcessSpan } from "../../runtime/telemetry/messaging.js";

/** Metadata key that marks liveness probes (see subscribeReady); user streams never show them. */
export const PROBE_KEY = "virtufinprobe";

/**
 * The header of resumable subscriptions: sent with the id of the last event received when a
 * stream is reopened; a server that can resume answers it with where the stream starts.
 */
export const LAST_EVENT_ID_HEADER = "last-event-id";
// Where DaprPublisher has always imported it from.
export { checkTopic };
import { replyError } from "./runners.js";
import type {
  EventHandler,
  HandlerSubscription,
  PublishOptions,
  PublishWithResultOptions,
  SubscribeOptions,
} from "./pubsub-options.js";

/**
 * Publish, subscribe and request-reply, over the platform's Pubsub service. Responders are
 * created apart, so that a page which only publishes and subscribes does not carry them:
 * `new Responder(api, topic, handler)`.
 */
export class PlatformPubsub {
  readonly #pubsub: PubsubApi;
  readonly #routers = new Map<string, ReplyRouter>();
  /** Set by close(): a request that was still starting (awaiting telemetry) must not go on. */
  #closed = false;
  readonly #connection: Connection | undefined;

  /**
   * Calls through a generated Pubsub client (the owning ApiClient's `PubsubClient`, on its
   * connection), with that connection's telemetry when given.
   */
  constructor(pubsub: PubsubApi, connection?: Connection) {
    this.#pubsub = pubsub;
    this.#connection = connection;
  }

  /**
   * Publishes one event. Objects are sent as JSON, strings as text, bytes as they are. An
   * in-band failure is thrown as a VirtufinError with its status code.
   */
  async publish(topic: string, data?: EventData, options: PublishOptions = {}): Promise<void> {
    checkTopic(topic);
    const encoded = encodeData(data);
    const metadata: Record<string, string> = {
      "ce-datacontenttype": options.contentType ?? encoded.contentType,
      ...options.metadata,
    };
    if (options.correlationId !== undefined) metadata["correlationid"] = options.correlationId;
    if (options.type !== undefined) metadata["ce-type"] = options.type;
    if (options.source !== undefined) metadata["ce-source"] = options.source;
    const send = async (callOptions: CallOptions) => {
      await this.#pubsub.publishEvent({ topic, data: encoded.bytes, metadata }, callOptions);
    };
    // Liveness probes are plumbing, not the user's events: no span of their own.
    const telemetry = metadata[PROBE_KEY] === undefined ? await telemetryOf(this.#connection) : undefined;
    return telemetry ? tracingOf(this.#connection).tracedPublish(telemetry, topic, metadata, options, send) : send(options);
  }

  /**
   * Subscribes to a topic: every event published to it from now on, as an async iterable that
   * ends when `signal` aborts or the loop is left. A dropped stream is reopened (reported
   * through `onReconnect`) and events are never delivered twice.
   */
  subscribe(topic: string, options: SubscribeOptions = {}): AsyncIterable<PubsubEvent> {
    return this.#events(topic, options, true);
  }

  /** The user's events of a topic; with `receiveSpans`, each one recorded as a consumer span. */
  #events(topic: string, options: SubscribeOptions, receiveSpans: boolean): AsyncIterable<PubsubEvent> {
    checkTopic(topic);
    const raw = this.#subscribe(topic, options);
    const connection = this.#connection;
    return {
      async *[Symbol.asyncIterator]() {
        for await (const event of raw) {
          if (event.metadata[PROBE_KEY] !== undefined) continue;
          // Loaded by now: the stream's first call loaded it with the transport.
          const telemetry = receiveSpans ? connection?.telemetry : undefined;
          if (telemetry) tracingOf(connection).traceReceived(telemetry, "receive", event);
          yield event;
        }
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
    const stream = linkAbort(options.signal);
    const iterator = this.#subscribe(topic, { ...options, signal: stream.signal })[Symbol.asyncIterator]();
    const early: PubsubEvent[] = [];
    const stopProbing = new AbortController();
    // Probes are plumbing: no spans of their own in the user's traces.
    const untraced = createContextValues();
    untraced.set(UNTRACED_KEY, true);
    const probing = (async () => {
      for (let i = 0; !stopProbing.signal.aborted && i < 60; i++) {
        await this.publish(topic, undefined, {
          correlationId: probeId,
          metadata: { [PROBE_KEY]: "1" },
          signal: stopProbing.signal,
          contextValues: untraced,
        }).catch(() => undefined);
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
          stream.unlink();
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
    // Live: the events that came with the probes first, then the rest of the stream, without probes.
    const rest = { [Symbol.asyncIterator]: () => iterator };
    return (async function* () {
      try {
        yield* early;
        for await (const event of rest) if (event.metadata[PROBE_KEY] === undefined) yield event;
      } finally {
        // Once the stream is over, the caller's signal (often long-lived) must not keep our listener.
        stream.unlink();
        await iterator.return?.();
      }
    })();
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
    return runHandler(
      (signal) => this.#events(topic, { ...options, signal }, false),
      handler,
      (event) => this.traceProcess(event),
    );
  }

  /**
   * With telemetry on, starts the consumer span `process <topic>` of a received event (a child
   * of its producer's context, linked to it); undefined when off. Responders use it so that a
   * reply continues the requester's trace.
   *
   * @internal
   */
  traceProcess(event: PubsubEvent): ProcessSpan | undefined {
    const telemetry = this.#connection?.telemetry;
    return telemetry ? tracingOf(this.#connection).traceHandled(telemetry, event) : undefined;
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
    const telemetry = await telemetryOf(this.#connection);
    // close() may have run while telemetry loaded; the router it closed must not take the request.
    if (this.#closed) throw new VirtufinError("the client was closed", Code.Canceled);
    const exchange = (contextValues?: ContextValues) =>
      router.request(
        correlationId,
        () =>
          this.publish(request.topic, request.data, {
            metadata,
            correlationId,
            type: request.type,
            source: request.source,
            signal: request.signal,
            ...(contextValues ? { contextValues } : {}),
          }),
        timeoutMs,
        request.signal,
      );
    // With telemetry, one span from the publish to the correlated reply (its code comes with the telemetry).
    const reply = await (telemetry
      ? tracingOf(this.#connection).tracedRequest(
          telemetry,
          request.topic,
          request.replyTopic,
          correlationId,
          exchange,
          replyError,
        )
      : exchange());
    const failure = replyError(reply);
    if (failure) throw failure;
    return reply;
  }

  /**
   * The shared reply router of a reply topic (used by generated request-reply proxies too).
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
    this.#closed = true;
    for (const router of this.#routers.values()) router.close();
    this.#routers.clear();
  }

  #subscribe(topic: string, options: SubscribeOptions): AsyncIterable<PubsubEvent> {
    const pubsub = this.#pubsub;
    // Resume after a reconnect (as SSE's Last-Event-ID): a server that retains events says where
    // a stream starts in the response header; we send back the id of the last event received.
    let lastId: string | undefined;
    let resumable = false;
    const onHeader = (headers: Headers) => {
      const position = headers.get(LAST_EVENT_ID_HEADER);
      if (position === null) return;
      resumable = true;
      lastId ??= position;
    };
    return reconnectingStream(
      (signal) =>
        mapAsync(
          pubsub.subscribe(
            { topic },
            { signal, onHeader, ...(lastId !== undefined ? { headers: { [LAST_EVENT_ID_HEADER]: lastId } } : {}) },
          ),
          (message) => {
            if (message.messageId !== "") lastId = message.messageId;
            return new PubsubEvent(message);
          },
        ),
      {
        signal: options.signal,
        reconnect: options.reconnect,
        onReconnect: reportReconnect(
          this.#connection,
          topic,
          options.onReconnect && ((info) => options.onReconnect?.({ ...info, resumes: resumable && lastId !== undefined })),
        ),
        idOf: (e) => e.messageId,
      },
    );
  }
}

/** The messaging spans' code; called only once the connection's telemetry has loaded (so it exists). */
/** The connection's telemetry when it was asked for (loaded on first use), else undefined at no cost. */
function telemetryOf(connection: Connection | undefined): Promise<Telemetry | undefined> | undefined {
  return connection?.telemetryEnabled ? connection.loadTelemetry() : undefined;
}

function tracingOf(connection: Connection | undefined): TelemetrySupport["messaging"] {
  return connection!.telemetrySupport!.messaging;
}

/** Counts and traces a stream's reconnects (when telemetry is on) before the caller's callback. */
export function reportReconnect(
  connection: Connection | undefined,
  what: string,
  onReconnect: ((info: ReconnectInfo) => void) | undefined,
): ((info: ReconnectInfo) => void) | undefined {
  return connection?.telemetryEnabled
    ? connection.telemetrySupport!.messaging.reconnectReporter(connection, what, onReconnect)
    : onReconnect;
}

/** Runs an event source through a handler until closed; shared by every handler-style API. */
export function runHandler<E>(
  source: (signal: AbortSignal) => AsyncIterable<E>,
  handler: EventHandler<E> | ((event: E) => void | Promise<void>),
  trace?: (event: E) => Pick<ProcessSpan, "run" | "end"> | undefined,
): HandlerSubscription {
  // Called unbound, as they always were (a handler relying on `this` would break; noted, not changed here).
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const { onEvent, onError } = typeof handler === "function" ? { onEvent: handler, onError: undefined } : handler;
  const controller = new AbortController();
  // With an onError, failures are reported and the subscription goes on (or ends, if the stream
  // itself failed). Without one, the first failure ends the subscription and rejects `done`.
  const done = (async () => {
    try {
      for await (const event of source(controller.signal)) {
        // The handler runs inside its consumer span when tracing is on.
        const traced = trace?.(event);
        try {
          await (traced ? traced.run(() => onEvent.call(handler, event)) : onEvent.call(handler, event));
          traced?.end();
        } catch (error) {
          traced?.end(error);
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
