/**
 * The parts of `@opentelemetry/api` the SDK uses, as structural types of its own: the SDK's
 * declarations must type-check for users who never installed the API (which is loaded at run
 * time only when telemetry is on), so they cannot name its types. The real API satisfies these.
 */

/** An OpenTelemetry `Context` (opaque here). */
export type OtelContext = object;

/** Span and metric attributes. */
export type OtelAttributes = Record<string, string | number | boolean | undefined>;

/** A span's identity, as `SpanContext`. */
export interface OtelSpanContext {
  /** 32 hex digits. */
  traceId: string;
  /** 16 hex digits. */
  spanId: string;
  /** Bit 0: sampled. */
  traceFlags: number;
  /** True for a context received from another process. */
  isRemote?: boolean;
  /** Vendor trace state. */
  traceState?: { serialize(): string };
}

/** A link to another span. */
export interface OtelLink {
  /** The linked span's identity. */
  context: OtelSpanContext;
}

/** A span, as the API's `Span`. */
export interface OtelSpan {
  /** The span's identity. */
  spanContext(): OtelSpanContext;
  /** Sets one attribute. */
  setAttribute(key: string, value: string | number | boolean): unknown;
  /** Adds an event. */
  addEvent(name: string, attributes?: OtelAttributes): unknown;
  /** Sets the status (code 2: error). */
  setStatus(status: { code: number; message?: string }): unknown;
  /** Ends the span. */
  end(): void;
}

/** A tracer, as the API's `Tracer`. */
export interface OtelTracer {
  /** Starts a span under `context`. */
  startSpan(
    name: string,
    options: { kind: number; attributes?: OtelAttributes; links?: OtelLink[] },
    context: OtelContext,
  ): OtelSpan;
}

/** A histogram. */
export interface OtelHistogram {
  /** Records a value. */
  record(value: number, attributes?: OtelAttributes): void;
}

/** A counter or up-down counter. */
export interface OtelCounter {
  /** Adds to it. */
  add(value: number, attributes?: OtelAttributes): void;
}

/** A meter, as the API's `Meter`. */
export interface OtelMeter {
  /** Creates a histogram. */
  createHistogram(name: string, options: { unit: string; description: string }): OtelHistogram;
  /** Creates a counter. */
  createCounter(name: string, options: { unit: string; description: string }): OtelCounter;
  /** Creates an up-down counter. */
  createUpDownCounter(name: string, options: { unit: string; description: string }): OtelCounter;
}

/** The `@opentelemetry/api` module, the members the SDK uses. */
export interface OtelApi {
  /** Context management. */
  readonly context: { active(): OtelContext; with<T>(context: OtelContext, fn: () => T): T };
  /** Trace helpers and the global tracer provider. */
  readonly trace: {
    setSpan(context: OtelContext, span: OtelSpan): OtelContext;
    setSpanContext(context: OtelContext, spanContext: OtelSpanContext): OtelContext;
    getSpanContext(context: OtelContext): OtelSpanContext | undefined;
    getTracerProvider(): { getTracer(name: string, version?: string): OtelTracer };
  };
  /** The global meter provider. */
  readonly metrics: { getMeterProvider(): { getMeter(name: string, version?: string): OtelMeter } };
  /** The empty context. */
  readonly ROOT_CONTEXT: OtelContext;
  /** Parses a `tracestate` value. */
  createTraceState(value: string): { serialize(): string };
  /** Span kinds by name. */
  readonly SpanKind: {
    readonly INTERNAL: number;
    readonly SERVER: number;
    readonly CLIENT: number;
    readonly PRODUCER: number;
    readonly CONSUMER: number;
  };
  /** Span status codes by name. */
  readonly SpanStatusCode: { readonly ERROR: number };
}
