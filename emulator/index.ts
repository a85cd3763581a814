/**
 * The Virtufin emulator: a real local platform on loopback. Start it with {@link startEmulator}
 * (or the `virtufin-emulator` bin); see README.md in this folder.
 *
 * @module
 */
export {
  startEmulator,
  DEFAULT_PORTS,
  type Emulator,
  type EmulatorOptions,
  type EmulatorPorts,
  type ServerAddress,
} from "./emulator.js";
export type { WorkManagerOptions } from "./workmanager/index.js";
export type { WebSocketManagerOptions } from "./websocketmanager/index.js";
export {
  DAPR_PUBSUB_NAME,
  DAPR_STATE_STORE_NAME,
  DEFAULT_DAPR_APP_ID,
  DEFAULT_DAPR_PORT,
  type DaprSidecarOptions,
} from "./dapr/index.js";
export { createLogger, type Logger, type LogLevel, type LogFields, type LoggerOptions } from "./logger.js";
export {
  createMemoryPubsubBackend,
  createMemoryStateBackend,
  DEFAULT_MAX_QUEUE_BUFFER,
  EtagMismatch,
  type BusEvent,
  type BusListener,
  type BusSubscription,
  type MemoryPubsubOptions,
  type PubsubBackend,
  type StateBackend,
  type GroupLocks,
  type RedisBackendOptions,
  type SetOptions,
  type StateEntry,
  type SubscribeOptions,
} from "./backend/index.js";
export type { Resolver } from "./workmanager/address-guard.js";
export { LOOPBACK_WEBSOCKET_HOSTS } from "./websocketmanager/options.js";
export {
  startGrpcServer,
  type CorsOptions,
  type RunningServer,
  type ServerTlsOptions,
  type ServiceRegistration,
  type StartServerOptions,
} from "./server/index.js";
export { parseServicesConfig, loadServicesConfig, type BackendConfig, type BackendAddress } from "./config/index.js";
export {
  STATE_CHANGES_TOPIC,
  SYSTEM_EVENTS_TOPIC,
  SUBSCRIPTION_ID_HEADER,
  DEFAULT_EVENT_TYPE,
  type PubsubServiceOptions,
} from "./services/index.js";
