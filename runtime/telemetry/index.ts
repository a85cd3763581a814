/**
 * OpenTelemetry for Virtufin clients: configuration types, the lazily loaded telemetry, the
 * Connect interceptor and the context keys through which a span's parent travels.
 *
 * @module
 */
export * from "./attributes.js";
export { RPC_ATTRIBUTES_KEY, RPC_SPAN_KEY, TRACE_CONTEXT_KEY, UNTRACED_KEY } from "./context-keys.js";
export { createTelemetryInterceptor, serverOf } from "./interceptor.js";
export { loadTelemetry } from "./load.js";
export {
  INSTRUMENTATION_NAME,
  type MeterProviderLike,
  type TelemetryOption,
  type TelemetryProviders,
  type TracerProviderLike,
} from "./options.js";
export { codeOf, Telemetry, type RpcSpan, type ServerInfo, type SpanRole, type TraceMetadata } from "./telemetry.js";
export { formatTraceparent, isValidIds, parseTraceparent, type TraceParent } from "./w3c.js";
