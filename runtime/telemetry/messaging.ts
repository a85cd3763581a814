/**
 * Tracing of pub/sub (OpenTelemetry messaging conventions): a producer span per publish whose
 * W3C context travels in the CloudEvent (distributed-tracing extension: `traceparent`,
 * `tracestate` metadata keys), a span from request to correlated reply, and consumer spans for
 * received events, children of the producer's context and linked to it.
 */
import { createContextValues, type ContextValues } from "@connectrpc/connect";
import { ATTR_MESSAGING_MESSAGE_CONVERSATION_ID, ATTR_MESSAGING_MESSAGE_ID, TRACE_CONTEXT_KEY, type Telemetry } from "./index.js";
import type { CallOptions } from "../call-options.js";
import { RequestTimeoutError } from "../errors.js";

/** What the spans read of a pub/sub event (a PubsubEvent is one). */
export interface MessagingEvent {
  /** The topic it was published on. */
  readonly topic: string;
  /** Its attributes and extensions, where the W3C trace context travels. */
  readonly metadata: Readonly<Record<string, string>>;
  /** The delivery's id. */
  readonly messageId: string;
  /** The correlation id of a request or reply, if any. */
  readonly correlationId?: string | undefined;
}

/**
 * Runs `send` under a producer span `publish <topic>`: the span's context is written into
 * `metadata` and becomes the parent of the PublishEvent call (through the call's context values).
 */
export async function tracedPublish(
  telemetry: Telemetry,
  topic: string,
  metadata: Record<string, string>,
  options: CallOptions,
  send: (options: CallOptions) => Promise<void>,
): Promise<void> {
  const parent = telemetry.parent(options.contextValues);
  const correlation = metadata["correlationid"];
  const span = telemetry.startMessaging(
    "publish",
    topic,
    "producer",
    parent,
    correlation ? { [ATTR_MESSAGING_MESSAGE_CONVERSATION_ID]: correlation } : undefined,
  );
  telemetry.injectMetadata(span, metadata);
  const values: ContextValues = options.contextValues ?? createContextValues();
  const previous = values.get(TRACE_CONTEXT_KEY);
  values.set(TRACE_CONTEXT_KEY, telemetry.withSpan(parent, span));
  try {
    await send({ ...options, contextValues: values });
    telemetry.end(span);
  } catch (error) {
    telemetry.end(span, error);
    throw error;
  } finally {
    // The caller's context values may be reused for other calls.
    values.set(TRACE_CONTEXT_KEY, previous);
  }
}

/** Context values that make calls children of `span` under `parent`. */
export function childValues(
  telemetry: Telemetry,
  parent: ReturnType<Telemetry["parent"]>,
  span: Parameters<Telemetry["end"]>[0],
): ContextValues {
  const values = createContextValues();
  values.set(TRACE_CONTEXT_KEY, telemetry.withSpan(parent, span));
  return values;
}

/**
 * Runs a request-reply under one span `request <topic>`, from the publish to the correlated
 * reply: `exchange` gets the context values that make its publish a child of the span, the reply
 * is recorded as a consumer span under it, and the span fails with what `failureOf` finds in the
 * reply (an error the responder reported) or with the exchange's error (a timeout is counted).
 */
export async function tracedRequest<E extends MessagingEvent>(
  telemetry: Telemetry,
  topic: string,
  replyTopic: string,
  correlationId: string,
  exchange: (contextValues: ContextValues) => Promise<E>,
  failureOf: (reply: E) => unknown,
): Promise<E> {
  const parent = telemetry.parent(undefined);
  const span = telemetry.startMessaging("request", topic, "client", parent, {
    [ATTR_MESSAGING_MESSAGE_CONVERSATION_ID]: correlationId,
    "virtufin.reply_topic": replyTopic,
  });
  let reply: E;
  try {
    reply = await exchange(childValues(telemetry, parent, span));
  } catch (error) {
    if (error instanceof RequestTimeoutError) telemetry.requestTimeout(topic);
    telemetry.end(span, error);
    throw error;
  }
  traceReceived(telemetry, "receive", reply, telemetry.withSpan(parent, span));
  telemetry.end(span, failureOf(reply));
  return reply;
}

/**
 * Counts and traces a stream's reconnects (a `reconnect <what>` span each) on the telemetry
 * `source` holds at the time, then calls the caller's `onReconnect`.
 */
export function reconnectReporter<I extends { readonly attempt: number; readonly delayMs: number; readonly error: unknown }>(
  source: { readonly telemetry: Telemetry | undefined },
  what: string,
  onReconnect: ((info: I) => void) | undefined,
): (info: I) => void {
  return (info) => {
    const telemetry = source.telemetry;
    telemetry?.reconnect(what, info.attempt, info.delayMs, info.error, telemetry.parent(undefined));
    onReconnect?.(info);
  };
}

/** Records a received event as a consumer span `<operation> <topic>` (ended at once). */
export function traceReceived(
  telemetry: Telemetry,
  operation: string,
  event: MessagingEvent,
  fallback = telemetry.parent(undefined),
): void {
  telemetry.end(telemetry.startConsumer(operation, event.topic, event.metadata, fallback, attributesOf(event)));
}

/** A handler's consumer span: run the handler in it, make calls its children, end it. */
export interface ProcessSpan {
  /** Runs `fn` with the span active (seen by nested spans when a context manager is registered). */
  run<T>(fn: () => T): T;
  /** Context values whose calls (a reply's publish) become children of the span. */
  readonly contextValues: ContextValues;
  /** Ends the span, failed when `error` is given. */
  end(error?: unknown): void;
}

/** Starts the consumer span `process <topic>` of an event handled by a handler or a responder. */
export function traceHandled(telemetry: Telemetry, event: MessagingEvent): ProcessSpan {
  const parent = telemetry.parent(undefined);
  const span = telemetry.startConsumer("process", event.topic, event.metadata, parent, attributesOf(event));
  const context = telemetry.withSpan(parent, span);
  const contextValues = createContextValues();
  contextValues.set(TRACE_CONTEXT_KEY, context);
  return { run: (fn) => telemetry.run(context, fn), contextValues, end: (error) => telemetry.end(span, error) };
}

function attributesOf(event: MessagingEvent): Record<string, string> {
  const attributes: Record<string, string> = { [ATTR_MESSAGING_MESSAGE_ID]: event.messageId };
  if (event.correlationId) attributes[ATTR_MESSAGING_MESSAGE_CONVERSATION_ID] = event.correlationId;
  return attributes;
}
