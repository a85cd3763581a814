/**
 * The runtime of the generated Virtufin clients: connections, call options, deadlines,
 * credentials and the one error class every call reports.
 *
 * @module
 */
export { DEFAULT_STREAM_TIMEOUT_MS, DEFAULT_TIMEOUT_MS, type CallOptions } from "./call-options.js";
export { createClientCore, flatArgs, mapAsync, type ClientCore, type ClientTarget } from "./client-core.js";
export {
  Connection,
  isLoopbackHost,
  isTransport,
  type CallScope,
  type ConnectionOptions,
  type EndpointDefaults,
  type Protocol,
  type TlsOptions,
} from "./connection.js";
export { Code, codeFromName, codeName, errorFromStatus, EtagMismatchError, RequestTimeoutError, VirtufinError } from "./errors.js";
export { normalizeInit, type RequestInit } from "./request-init.js";
export { DEFAULT_RETRY_POLICY, isIdempotent, MAX_ATTEMPTS, resolveRetryPolicy, retryDelay, type ResolvedRetryPolicy, type RetryPolicy } from "./retry.js";
export * from "./workers/index.js";
export {
  loadTelemetry,
  Telemetry,
  TRACE_CONTEXT_KEY,
  type MeterProviderLike,
  type TelemetryOption,
  type TelemetryProviders,
  type TracerProviderLike,
} from "./telemetry/index.js";
export { createGatewayCore, type JsonGateway } from "./gateway-core.js";
export {
  createPubsubCore,
  servePubsub,
  type MethodBinding,
  type PubsubBinding,
  type PubsubImplementation,
  type PubsubTarget,
  type ReplyEvent,
  type RequestEvent,
} from "./pubsub-core.js";
