/**
 * How a user turns telemetry on: with the OpenTelemetry providers they created, with the global
 * ones, or not at all. The types are structural so that the SDK's declarations never name a
 * package the user did not install.
 */

/** Anything shaped like an OpenTelemetry `TracerProvider` (from `@opentelemetry/api`). */
export interface TracerProviderLike {
  /** Returns a tracer, as `TracerProvider.getTracer`. */
  getTracer(name: string, version?: string, options?: object): object;
}

/** Anything shaped like an OpenTelemetry `MeterProvider` (from `@opentelemetry/api`). */
export interface MeterProviderLike {
  /** Returns a meter, as `MeterProvider.getMeter`. */
  getMeter(name: string, version?: string, options?: object): object;
}

/** The providers a client reports to; either may be left out. */
export interface TelemetryProviders {
  /** Where spans go: one per RPC, per publish, per consumed event. */
  readonly tracerProvider?: TracerProviderLike;
  /** Where metrics go: call durations, streams in flight, reconnects, request-reply timeouts. */
  readonly meterProvider?: MeterProviderLike;
}

/**
 * Telemetry of a connection: providers to report to; `"global"` for the providers registered
 * with `@opentelemetry/api` (loaded only then); `false` or absent for none, which costs nothing
 * and imports nothing.
 */
export type TelemetryOption = TelemetryProviders | "global" | false;

/** The instrumentation scope name of every span and metric the SDK reports. */
export const INSTRUMENTATION_NAME = "@virtufin/sdk";
