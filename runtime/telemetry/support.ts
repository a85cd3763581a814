/**
 * The code a connection runs only when telemetry is on, gathered in one object so that it is
 * reached through a registration rather than an import: built into Node (the `#transport`
 * module's `node` condition exports it), registered in browsers by `enableTelemetry()`. A page
 * that never turns telemetry on therefore carries none of it, nor `@opentelemetry/api`.
 */
import { childValues, reconnectReporter, traceHandled, tracedPublish, tracedRequest, traceReceived } from "./messaging.js";
import type { Interceptor } from "@connectrpc/connect";
import { createTelemetryInterceptor, dispatchOptions } from "./interceptor.js";
import { serverOf, type Telemetry } from "./telemetry.js";
import { loadTelemetry } from "./load.js";

/** What a connection calls when telemetry is on. */
export interface TelemetrySupport {
  /** Loads the telemetry of a connection's option (see loadTelemetry). */
  readonly load: typeof loadTelemetry;
  /** The tracing interceptor of a connection's transport to `baseUrl`. */
  readonly interceptor: (telemetry: Telemetry, baseUrl: string) => Interceptor;
  /** Call options naming a Gateway dispatch's backend and method on its span. */
  readonly dispatchOptions: typeof dispatchOptions;
  /** Pub/sub's messaging spans (messaging.ts). */
  readonly messaging: {
    readonly tracedPublish: typeof tracedPublish;
    readonly traceReceived: typeof traceReceived;
    readonly traceHandled: typeof traceHandled;
    readonly childValues: typeof childValues;
    readonly tracedRequest: typeof tracedRequest;
    readonly reconnectReporter: typeof reconnectReporter;
  };
}

/** The telemetry code itself. */
export const telemetrySupport: TelemetrySupport = {
  load: loadTelemetry,
  interceptor: (telemetry, baseUrl) => createTelemetryInterceptor(telemetry, serverOf(baseUrl)),
  dispatchOptions,
  messaging: { tracedPublish, traceReceived, traceHandled, childValues, tracedRequest, reconnectReporter },
};
