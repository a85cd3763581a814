/**
 * The emulator CLI's trace export: OTLP over HTTP to a collector, only when the user configures
 * one (`--otlp-endpoint`, or the standard `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` /
 * `OTEL_EXPORTER_OTLP_ENDPOINT`). The SDK and exporter packages are optional and imported only
 * then, so an emulator that exports nothing needs neither.
 */
import type { TracerProviderLike } from "@virtufin/sdk/internal";

/** A tracer provider exporting to a collector, and how to flush and stop it. */
export interface OtlpTracing {
  /** Pass to `startEmulator({ tracerProvider })`. */
  readonly tracerProvider: TracerProviderLike;
  /** Sends what is buffered and stops. */
  shutdown(): Promise<void>;
}

/**
 * Where traces go: the flag's base URL plus `/v1/traces`, else the traces endpoint from the
 * environment as is, else the general endpoint plus `/v1/traces`; undefined when none is set
 * or `OTEL_TRACES_EXPORTER=none`. Throws for a URL that is not http(s).
 */
export function otlpTracesUrl(flag: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (flag === undefined && env["OTEL_TRACES_EXPORTER"]?.trim().toLowerCase() === "none") return undefined;
  const base = (value: string) => `${value.replace(/\/+$/, "")}/v1/traces`;
  const url =
    flag !== undefined
      ? base(flag)
      : env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] ||
        (env["OTEL_EXPORTER_OTLP_ENDPOINT"] ? base(env["OTEL_EXPORTER_OTLP_ENDPOINT"]) : undefined);
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`the OTLP endpoint "${url}" is not a URL`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw new Error(`the OTLP endpoint must be http: or https:, got "${parsed.protocol}"`);
  return parsed.href;
}

/** Creates a tracer provider batching spans to the OTLP/HTTP endpoint `url`. */
export async function startOtlpTracing(url: string): Promise<OtlpTracing> {
  let sdk: typeof import("@opentelemetry/sdk-trace-base");
  let exporter: typeof import("@opentelemetry/exporter-trace-otlp-http");
  try {
    sdk = await import("@opentelemetry/sdk-trace-base");
    exporter = await import("@opentelemetry/exporter-trace-otlp-http");
  } catch (error) {
    throw new Error(
      "exporting traces needs @opentelemetry/api, @opentelemetry/sdk-trace-base and @opentelemetry/exporter-trace-otlp-http " +
        `(npm install them next to the emulator): ${(error as Error).message}`,
      { cause: error },
    );
  }
  const tracerProvider = new sdk.BasicTracerProvider({
    spanProcessors: [new sdk.BatchSpanProcessor(new exporter.OTLPTraceExporter({ url }))],
  });
  return { tracerProvider, shutdown: () => tracerProvider.shutdown() };
}
