/**
 * The Virtufin TypeScript SDK (`@virtufin/sdk`): the platform client {@link ApiClient} (state,
 * pub/sub, request-reply, Gateway dispatch), the generated clients of every Virtufin service,
 * the errors every call reports, call options, and runners with a lifecycle.
 *
 * This entry is browser-safe: nothing reachable from it imports a Node built-in. In Node the
 * transport is gRPC over HTTP/2; in browsers gRPC-Web over fetch (chosen by the package's import
 * conditions). Node-only helpers (files, signals) are in `@virtufin/sdk/node`; every message of
 * the Virtufin protos is in `@virtufin/sdk/gen/virtufin/<file>_pb`.
 *
 * @module
 */

// The platform client.
export {
  ApiClient,
  type ApiClientOptions,
  type HealthStatus,
  type PlatformGateway,
  type PlatformSubscribeOptions,
} from "./platform/api-client.js";
export {
  PlatformState,
  type DeleteOptions,
  type SaveOptions,
  type StateValue,
  type UpdateOptions,
} from "./platform/state/state-client.js";
export { PlatformPubsub } from "./platform/pubsub/pubsub-client.js";
export type {
  EventHandler,
  HandlerSubscription,
  PublishOptions,
  PublishWithResultOptions,
  SubscribeOptions,
} from "./platform/pubsub/pubsub-options.js";
export type { EventData } from "./platform/pubsub/encode.js";
export { PubsubEvent, type PubsubEventInit } from "./platform/pubsub/event.js";
export {
  reconnectingStream,
  type ReconnectInfo,
  type ReconnectingStreamOptions,
  type ReconnectOptions,
} from "./platform/pubsub/reconnecting-stream.js";
export {
  replyError,
  Responder,
  SubscriptionRunner,
  type PubsubHost,
  type PubsubPort,
  type EventListener,
  type ResponderHandler,
  type ResponderOptions,
  type SubscriptionRunnerOptions,
} from "./platform/pubsub/runners.js";
export type { DynamicMethod, GatewayDispatch, JsonValue, KnownServiceProxy, ServiceProxy } from "./platform/gateway/dynamic.js";
export { GatewayEvent } from "./platform/gateway/gateway-event.js";
export { ReflectionClient, type MethodDescription } from "./platform/reflection/reflection-client.js";
export type { JsonSchema } from "./platform/reflection/json-schema.js";
export {
  DAPR_API_TOKEN_HEADER,
  DAPR_DEFAULT_GRPC_PORT,
  DAPR_DEFAULT_HOST,
  DaprPublisher,
  type DaprBulkEntry,
  type DaprBulkFailure,
  type DaprPublisherOptions,
  type DaprPublishOptions,
} from "./platform/dapr/dapr-publisher.js";

// Connections, call options and errors.
export { DEFAULT_STREAM_TIMEOUT_MS, DEFAULT_TIMEOUT_MS, type CallOptions } from "./runtime/call-options.js";
export type { ClientTarget } from "./runtime/client-core.js";
export {
  Connection,
  type CallScope,
  type ConnectionOptions,
  type EndpointDefaults,
  type Protocol,
  type TlsOptions,
} from "./runtime/connection.js";
export { enableConnectProtocol } from "./runtime/transport/connect-protocol.js";
export { enableTelemetry } from "./runtime/telemetry/enable-telemetry.js";
export { Code, codeFromName, codeName, EtagMismatchError, RequestTimeoutError, VirtufinError } from "./runtime/errors.js";
export type { RequestInit } from "./runtime/request-init.js";
export { DEFAULT_RETRY_POLICY, type ResolvedRetryPolicy, type RetryPolicy } from "./runtime/retry.js";
export type { MeterProviderLike, TelemetryOption, TelemetryProviders, TracerProviderLike } from "./runtime/telemetry/options.js";

export type { PubsubImplementation } from "./platform/pubsub/pubsub-core.js";

// Runners with a lifecycle (aio-fluid's workers).
export {
  RunnerState,
  silentLogger,
  type LifecycleStatus,
  type RunnerLogger,
  type RunnerOptions,
} from "./runtime/runners/types.js";
export {
  MessageHandlerError,
  QueueClosedError,
  QueueFullError,
  RunnerLifecycleError,
  RunnersError,
  type RunnerFailure,
} from "./runtime/runners/errors.js";
export { sleep } from "./runtime/sleep.js";
export { Runner } from "./runtime/runners/runner.js";
export { createRunner, type CreateRunnerOptions, type RunnerBody } from "./runtime/runners/create-runner.js";
export {
  RunnerFunction,
  type RunnerFunctionBody,
  type RunnerFunctionOptions,
  type RunnerFunctionStatus,
} from "./runtime/runners/runner-function.js";
export { BoundedQueue, type QueueWaitOptions } from "./runtime/runners/bounded-queue.js";
export { AsyncDispatcher, CallbackError, type AsyncCallback, type DispatchResult } from "./runtime/runners/async-dispatcher.js";
export { AsyncConsumer, type AsyncConsumerOptions, type AsyncConsumerStatus } from "./runtime/runners/async-consumer.js";
export {
  DEFAULT_QUEUE_CAPACITY,
  QueueConsumer,
  type QueueConsumerOptions,
  type QueueConsumerStatus,
} from "./runtime/runners/queue-consumer.js";
export {
  QueueConsumerRunner,
  type MessageHandler,
  type QueueConsumerRunnerOptions,
  type QueueConsumerRunnerStatus,
  type StopMode,
} from "./runtime/runners/queue-consumer-runner.js";
export {
  DEFAULT_CANCEL_GRACE_PERIOD_MS,
  DEFAULT_STOPPING_GRACE_PERIOD_MS,
  Runners,
  type BailOut,
  type RunnersOptions,
  type RunnersStatus,
} from "./runtime/runners/runners.js";
export type { CallbackOptions, GroupCallback } from "./runtime/runners/group-callbacks.js";

// The generated clients of the Virtufin services. Gateway proxies exist for the services the
// Gateway serves (WorkManager, WebSocketManager): `new WorkManagerGatewayProxy(api)`.
export { ConfigClient, type ConfigApi } from "./generated/virtufin/config_client.js";
export { GatewayClient, type GatewayApi } from "./generated/virtufin/gateway_client.js";
export { PubsubClient, type PubsubApi } from "./generated/virtufin/pubsub_client.js";
export { StateClient, type StateApi } from "./generated/virtufin/state_client.js";
export {
  WebSocketManagerClient,
  WebSocketManagerGatewayProxy,
  type WebSocketManagerApi,
} from "./generated/virtufin/websocketmanager_client.js";
export { WorkManagerClient, WorkManagerGatewayProxy, type WorkManagerApi } from "./generated/virtufin/workmanager_client.js";

// Service descriptors, and the messages results are made of.
export {
  Config,
  type ConfigService,
  type CronJobConfig,
  type GrpcConfig,
  type JobsConfig,
  type PubsubConfig,
  type StateConfig,
} from "./generated/virtufin/config_pb.js";
export {
  Gateway,
  type FieldSchema,
  type MethodInfo,
  type MethodSchema,
  type OneofCaseSchema,
  type StatusResponse,
} from "./generated/virtufin/gateway_pb.js";
export { Pubsub } from "./generated/virtufin/pubsub_pb.js";
export { State } from "./generated/virtufin/state_pb.js";
export { WebSocketManager, type TagFilter, type WebSocketConnection } from "./generated/virtufin/websocketmanager_pb.js";
export {
  WorkManager,
  WorkerStatus,
  type CodeSource,
  type HistoryEntry,
  type WorkerInfo,
} from "./generated/virtufin/workmanager_pb.js";
