/**
 * Real OpenTelemetry SDKs for the telemetry tests: a tracer provider exporting to memory and a
 * meter provider read on demand, plus helpers to find spans and wait for the late ones (the
 * emulator ends some spans after the client has its answer).
 */
import { SpanKind } from "@opentelemetry/api";
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type MetricData,
} from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";

/** The SDKs of one test file. */
export interface Otel {
  readonly tracerProvider: BasicTracerProvider;
  readonly meterProvider: MeterProvider;
  /** Every finished span so far. */
  spans(): ReadableSpan[];
  /** Waits until `find` returns spans (polls every 20 ms, up to 10 s). */
  waitFor<T>(find: (spans: ReadableSpan[]) => T | undefined): Promise<T>;
  /** The metrics collected now, by name. */
  metrics(): Promise<Map<string, MetricData>>;
  close(): Promise<void>;
}

/** Creates the SDKs. */
export function createOtel(): Otel {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new PeriodicExportingMetricReader({
    exporter: new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE),
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const spans = () => exporter.getFinishedSpans();
  return {
    tracerProvider,
    meterProvider,
    spans,
    async waitFor(find) {
      const until = Date.now() + 10_000;
      for (;;) {
        const found = find(spans());
        if (found !== undefined) return found;
        if (Date.now() > until)
          throw new Error(
            `spans not found; have: ${spans()
              .map((s) => `${s.name}(${SpanKind[s.kind]})`)
              .join(", ")}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    async metrics() {
      const { resourceMetrics } = await reader.collect();
      const out = new Map<string, MetricData>();
      for (const scope of resourceMetrics.scopeMetrics)
        for (const metric of scope.metrics) out.set(metric.descriptor.name, metric);
      return out;
    },
    async close() {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** The span id of a span's parent, if any. */
export const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;

/** The spans of one trace. */
export const inTrace = (spans: ReadableSpan[], traceId: string): ReadableSpan[] =>
  spans.filter((s) => s.spanContext().traceId === traceId);

/**
 * Finds, in one trace, the chain of spans named `steps` (name and kind), each the parent of the
 * next, starting at `root`; undefined until all are there.
 */
export function chain(
  spans: ReadableSpan[],
  root: ReadableSpan,
  steps: readonly [string, SpanKind][],
): ReadableSpan[] | undefined {
  const trace = inTrace(spans, root.spanContext().traceId);
  const out = [root];
  for (const [name, kind] of steps) {
    const parent = out[out.length - 1]!;
    const next = trace.find((s) => s.name === name && s.kind === kind && parentOf(s) === parent.spanContext().spanId);
    if (!next) return undefined;
    out.push(next);
  }
  return out;
}

/** Describes a trace as an indented tree (for failure messages and the README). */
export function tree(spans: ReadableSpan[], traceId: string): string {
  const trace = inTrace(spans, traceId);
  const lines: string[] = [];
  const walk = (parent: string | undefined, depth: number) => {
    for (const span of trace.filter(
      (s) => parentOf(s) === parent || (parent === undefined && !trace.some((p) => p.spanContext().spanId === parentOf(s))),
    )) {
      if (lines.some((l) => l.endsWith(`#${span.spanContext().spanId}`))) continue;
      lines.push(`${"  ".repeat(depth)}${span.name} (${SpanKind[span.kind]})#${span.spanContext().spanId}`);
      walk(span.spanContext().spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return lines.map((l) => l.replace(/#[0-9a-f]+$/, "")).join("\n");
}

/** Everything a span records that an exporter would send, as text (to search it for secrets). */
export function spanText(span: ReadableSpan): string {
  return JSON.stringify({
    name: span.name,
    attributes: span.attributes,
    events: span.events,
    links: span.links,
    status: span.status,
    resource: span.resource.attributes,
  });
}
