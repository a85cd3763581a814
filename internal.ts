/**
 * Internals of the Virtufin SDK shared with the emulator package (`@virtufin/sdk/internal`). Not
 * for applications: members may change in any release.
 *
 * @internal
 * @module
 */
export { KNOWN_FILES } from "./platform/reflection/known-files.js";
export { INFRASTRUCTURE_SERVICES, reflectServer, type ReflectedServer } from "./platform/reflection/reflect-server.js";
export { fieldSchema, methodInfo, methodInfos, methodSchema } from "./platform/reflection/method-info.js";
export { isLoopbackHost } from "./runtime/connection.js";
export { resolveRetryPolicy, retryDelay, type ResolvedRetryPolicy } from "./runtime/retry.js";
export { backoffDelay, type BackoffBounds } from "./runtime/backoff.js";
export {
  ATTR_MESSAGING_MESSAGE_ID,
  createTelemetryInterceptor,
  loadTelemetry,
  Telemetry,
  TRACE_CONTEXT_KEY,
  type ServerInfo,
  type TracerProviderLike,
} from "./runtime/telemetry/index.js";
