/**
 * What the SDK and the emulator report through OpenTelemetry: RPC spans after the RPC semantic
 * conventions, messaging spans for pub/sub, W3C trace context in headers and CloudEvents, and
 * the SDK's metrics. One instance per set of providers; created by `loadTelemetry` once
 * `@opentelemetry/api` is loaded, so nothing here runs for a connection without telemetry.
 */
import type {
  OtelApi,
  OtelAttributes as Attributes,
  OtelContext as Context,
  OtelCounter,
  OtelHistogram,
  OtelLink as Link,
  OtelSpan as Span,
  OtelTracer as Tracer,
} from "./api-types.js";
import { Code, ConnectError } from "@connectrpc/connect";
import { createContextValues, type ContextValues } from "@connectrpc/connect";
import { codeName } from "../errors.js";
import * as A from "./attributes.js";
import { RPC_ATTRIBUTES_KEY, RPC_SPAN_KEY, TRACE_CONTEXT_KEY, UNTRACED_KEY } from "./context-keys.js";
import { INSTRUMENTATION_NAME, type MeterProviderLike, type TracerProviderLike } from "./options.js";
import { formatTraceparent, isValidIds, parseTraceparent } from "./w3c.js";

/** Where the other end of a call listens. */
export interface ServerInfo {
  /** Host name or address. */
  readonly address: string;
  /** Port (0 when unknown). */
  readonly port: number;
}

/** The kinds of span reported. */
export type SpanRole = "client" | "server" | "producer" | "consumer" | "internal";

/** An RPC span and what its end needs. */
export interface RpcSpan {
  /** The span. */
  readonly span: Span;
  /** `performance.now()` at its start. */
  readonly start: number;
  /** `rpc.system`, `rpc.service`, `rpc.method`: the metric's attributes too. */
  readonly attributes: Attributes;
  /** True for a client call (its duration goes to `rpc.client.duration`). */
  readonly client: boolean;
}

/** The trace context of an event's metadata (CloudEvents distributed-tracing extension). */
export interface TraceMetadata {
  /** The W3C `traceparent`. */
  traceparent?: string;
  /** The W3C `tracestate`. */
  tracestate?: string;
}

/** The host and port of a base URL, as `server.address` and `server.port` report them. */
export function serverOf(baseUrl: string): ServerInfo {
  try {
    const url = new URL(baseUrl);
    const port = url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
    return { address: url.hostname.replace(/^\[|\]$/g, ""), port };
  } catch {
    return { address: baseUrl, port: 0 };
  }
}

/**
 * A client core's call as telemetry sees it: one span over every attempt, in the call's context
 * values (which carry it to the interceptor of each attempt).
 */
export interface CallSpan {
  /** The context values to send the call with. */
  readonly values: ContextValues;
  /** Shows a retry on the span: which attempt comes, after how long, and why. */
  retried(attempt: number, delayMs: number, failure: Code): void;
  /** Ends the span (failed with `error`, if given) and takes it out of the values, which the caller may reuse. */
  end(error?: unknown): void;
}

/** A gRPC code of any failure (UNKNOWN for what is not a Connect error). */
export function codeOf(error: unknown): Code {
  return error === undefined ? (0 as Code) : ConnectError.from(error).code;
}

/** Reports spans and metrics to one pair of providers. */
export class Telemetry {
  readonly #api: OtelApi;
  readonly #tracer: Tracer;
  readonly #kinds: Record<SpanRole, number>;
  readonly #duration: OtelHistogram | undefined;
  readonly #streams: OtelCounter | undefined;
  readonly #reconnects: OtelCounter | undefined;
  readonly #timeouts: OtelCounter | undefined;
  /** The server attributes of each base URL calls went to. */
  readonly #servers = new Map<string, ServerInfo>();

  /** Creates the tracer and instruments; a missing provider means the API's no-op one. */
  constructor(api: OtelApi, tracerProvider: TracerProviderLike | undefined, meterProvider: MeterProviderLike | undefined) {
    this.#api = api;
    const provider = (tracerProvider ?? api.trace.getTracerProvider()) as ReturnType<OtelApi["trace"]["getTracerProvider"]>;
    this.#tracer = provider.getTracer(INSTRUMENTATION_NAME);
    const { SpanKind } = api;
    this.#kinds = {
      client: SpanKind.CLIENT,
      server: SpanKind.SERVER,
      producer: SpanKind.PRODUCER,
      consumer: SpanKind.CONSUMER,
      internal: SpanKind.INTERNAL,
    };
    if (meterProvider) {
      const meter = (meterProvider as ReturnType<OtelApi["metrics"]["getMeterProvider"]>).getMeter(INSTRUMENTATION_NAME);
      this.#duration = meter.createHistogram(A.METRIC_RPC_CLIENT_DURATION, {
        unit: "ms",
        description: "Duration of client RPCs, every retry included",
      });
      this.#streams = meter.createUpDownCounter(A.METRIC_ACTIVE_STREAMS, {
        unit: "{stream}",
        description: "Client streams in flight",
      });
      this.#reconnects = meter.createCounter(A.METRIC_RECONNECTS, {
        unit: "{reconnect}",
        description: "Event streams reopened after a drop",
      });
      this.#timeouts = meter.createCounter(A.METRIC_REQUEST_TIMEOUTS, {
        unit: "{request}",
        description: "Request-replies without a reply in time",
      });
    }
  }

  /** The parent context a call gives (TRACE_CONTEXT_KEY), else the active one. */
  parent(values: ContextValues | undefined): Context {
    return (values?.get(TRACE_CONTEXT_KEY) as Context | undefined) ?? this.#api.context.active();
  }

  /** `parent` with `span` as its current span: what children of `span` are started in. */
  withSpan(parent: Context, span: Span): Context {
    return this.#api.trace.setSpan(parent, span);
  }

  /** Runs `fn` with `context` active (visible to nested spans when a context manager is registered). */
  run<T>(context: Context, fn: () => T): T {
    return this.#api.context.with(context, fn);
  }

  /** The context of a remote parent from W3C values (undefined when absent or malformed). */
  remote(traceparent: string | null | undefined, tracestate?: string | null): Context | undefined {
    const parsed = parseTraceparent(traceparent);
    if (!parsed) return undefined;
    const api = this.#api;
    const traceState = tracestate ? api.createTraceState(tracestate) : undefined;
    return api.trace.setSpanContext(api.ROOT_CONTEXT, { ...parsed, isRemote: true, ...(traceState ? { traceState } : {}) });
  }

  /** The remote context of an event's metadata, or undefined. */
  remoteOf(metadata: Readonly<Record<string, string>>): Context | undefined {
    return this.remote(
      metadata["traceparent"] ?? metadata["ce-traceparent"],
      metadata["tracestate"] ?? metadata["ce-tracestate"],
    );
  }

  /** Starts a span of a given role. */
  startSpan(name: string, role: SpanRole, attributes: Attributes, parent: Context, links?: Link[]): Span {
    return this.#tracer.startSpan(name, { kind: this.#kinds[role], attributes, ...(links ? { links } : {}) }, parent);
  }

  /** A link to the span context held by `context` (for consumer spans), or none. */
  linkTo(context: Context | undefined): Link[] | undefined {
    const spanContext = context && this.#api.trace.getSpanContext(context);
    return spanContext ? [{ context: spanContext }] : undefined;
  }

  /** Starts the span of one RPC (`<service>/<method>`, RPC semantic conventions). */
  startRpc(
    service: string,
    method: string,
    server: ServerInfo,
    parent: Context,
    role: "client" | "server",
    extra?: Attributes,
  ): RpcSpan {
    const attributes: Attributes = {
      [A.ATTR_RPC_SYSTEM]: A.RPC_SYSTEM_GRPC,
      [A.ATTR_RPC_SERVICE]: service,
      [A.ATTR_RPC_METHOD]: method,
    };
    const span = this.startSpan(
      `${service}/${method}`,
      role,
      {
        ...attributes,
        [A.ATTR_SERVER_ADDRESS]: server.address,
        ...(server.port ? { [A.ATTR_SERVER_PORT]: server.port } : {}),
        ...extra,
      },
      parent,
    );
    return { span, start: performance.now(), attributes, client: role === "client" };
  }

  /**
   * Starts the span of a client core's call to `baseUrl`, which covers all its attempts: a child
   * of the context in `values`, with the attributes given there, and held in the values
   * (RPC_SPAN_KEY) so that the interceptor sends it with each attempt. Undefined for a call that
   * is plumbing (UNTRACED_KEY). Lives here, with everything a core does for telemetry, so that
   * pages without telemetry do not carry it.
   */
  startCall(service: string, method: string, baseUrl: string, given: ContextValues | undefined): CallSpan | undefined {
    if (given?.get(UNTRACED_KEY)) return undefined;
    const values = given ?? createContextValues();
    let server = this.#servers.get(baseUrl);
    if (!server) this.#servers.set(baseUrl, (server = serverOf(baseUrl)));
    const rpc = this.startRpc(service, method, server, this.parent(values), "client", values.get(RPC_ATTRIBUTES_KEY));
    values.set(RPC_SPAN_KEY, rpc);
    return {
      values,
      retried: (attempt, delayMs, failure) => this.retried(rpc, attempt, delayMs, failure),
      end: (error) => {
        this.endRpc(rpc, error);
        values.delete(RPC_SPAN_KEY);
      },
    };
  }

  /** Shows a retry on a call's span: which attempt comes, after how long, and why. */
  retried(rpc: RpcSpan, attempt: number, delayMs: number, failure: Code): void {
    rpc.span.addEvent("retry", {
      "virtufin.retry.attempt": attempt,
      "virtufin.retry.delay_ms": Math.round(delayMs),
      "error.type": codeName(failure),
    });
  }

  /** Ends an RPC span with its gRPC status (and the error, if any); records the client duration. */
  endRpc(rpc: RpcSpan, error?: unknown): void {
    const code = codeOf(error);
    rpc.span.setAttribute(A.ATTR_RPC_GRPC_STATUS_CODE, code);
    if (error !== undefined) this.fail(rpc.span, error, code);
    rpc.span.end();
    if (rpc.client)
      this.#duration?.record(performance.now() - rpc.start, { ...rpc.attributes, [A.ATTR_RPC_GRPC_STATUS_CODE]: code });
  }

  /** Marks a span failed with the error's gRPC code; the message only, never a stack or payload. */
  fail(span: Span, error: unknown, code: Code = codeOf(error)): void {
    const name = codeName(code);
    span.setAttribute(A.ATTR_ERROR_TYPE, name);
    const message = error instanceof ConnectError ? error.rawMessage : error instanceof Error ? error.message : String(error);
    span.setStatus({ code: this.#api.SpanStatusCode.ERROR, message: `${name}: ${message}` });
  }

  /** Ends a non-RPC span, failed when `error` is given. */
  end(span: Span, error?: unknown): void {
    if (error !== undefined) this.fail(span, error);
    span.end();
  }

  /** Writes `span`'s W3C trace context into request headers (nothing for a no-op span). */
  injectHeaders(span: Span, header: Headers): void {
    const values = this.traceMetadata(span);
    if (!values.traceparent) return;
    header.set("traceparent", values.traceparent);
    if (values.tracestate) header.set("tracestate", values.tracestate);
    else header.delete("tracestate");
  }

  /** `span`'s trace context as CloudEvent extensions (empty for a no-op span). */
  traceMetadata(span: Span): TraceMetadata {
    const context = span.spanContext();
    if (!isValidIds(context.traceId, context.spanId)) return {};
    const tracestate = context.traceState?.serialize();
    return { traceparent: formatTraceparent(context), ...(tracestate ? { tracestate } : {}) };
  }

  /** Writes `span`'s trace context into event metadata, replacing any there. */
  injectMetadata(span: Span, metadata: Record<string, string>): void {
    const values = this.traceMetadata(span);
    if (!values.traceparent) return;
    delete metadata["ce-traceparent"];
    delete metadata["ce-tracestate"];
    metadata["traceparent"] = values.traceparent;
    if (values.tracestate) metadata["tracestate"] = values.tracestate;
    else delete metadata["tracestate"];
  }

  /** Starts a messaging span (`<operation> <topic>`) after the messaging semantic conventions. */
  startMessaging(operation: string, topic: string, role: SpanRole, parent: Context, extra?: Attributes, links?: Link[]): Span {
    return this.startSpan(
      `${operation} ${topic}`,
      role,
      {
        [A.ATTR_MESSAGING_SYSTEM]: A.MESSAGING_SYSTEM_VIRTUFIN,
        [A.ATTR_MESSAGING_DESTINATION_NAME]: topic,
        [A.ATTR_MESSAGING_OPERATION_TYPE]: operation,
        ...extra,
      },
      parent,
      links,
    );
  }

  /**
   * Starts the consumer span of an event: a child of the producer's context carried in the
   * event (so one trace runs through pub/sub), linked to it as the messaging conventions ask.
   */
  startConsumer(
    operation: string,
    topic: string,
    metadata: Readonly<Record<string, string>>,
    fallback: Context,
    extra?: Attributes,
  ): Span {
    const producer = this.remoteOf(metadata);
    return this.startMessaging(operation, topic, "consumer", producer ?? fallback, extra, this.linkTo(producer));
  }

  /** Counts a stream opening (+1) or closing (-1). */
  streamDelta(delta: 1 | -1, attributes: Attributes): void {
    this.#streams?.add(delta, attributes);
  }

  /** Counts an event stream reconnect and shows it as a short span under `parent`. */
  reconnect(what: string, attempt: number, delayMs: number, error: unknown, parent: Context): void {
    this.#reconnects?.add(1, { [A.ATTR_MESSAGING_DESTINATION_NAME]: what });
    const span = this.startSpan(
      `reconnect ${what}`,
      "internal",
      { "virtufin.reconnect.attempt": attempt, "virtufin.reconnect.delay_ms": delayMs },
      parent,
    );
    this.end(span, error ?? undefined);
  }

  /** Counts a request-reply timeout. */
  requestTimeout(topic: string): void {
    this.#timeouts?.add(1, { [A.ATTR_MESSAGING_DESTINATION_NAME]: topic });
  }
}
