/**
 * The emulator's Dapr sidecar API: Dapr clients (the official SDKs, the SDK's DaprPublisher)
 * publish into and read the emulator's pub/sub and state, and a Dapr app given by its port
 * receives its subscriptions from the emulator, as from daprd.
 */
export { AppChannel, type AppChannelOptions } from "./app-channel.js";
export { createDaprTokenInterceptor } from "./api-token.js";
export { CLOUDEVENT_CONTENT_TYPE, DAPR_EVENT_TYPE, toBusPublication, toTopicEventRequest } from "./cloud-event.js";
export {
  DAPR_API_TOKEN_HEADER,
  DAPR_PUBSUB_NAME,
  DAPR_STATE_STORE_NAME,
  DEFAULT_DAPR_APP_ID,
  DEFAULT_DAPR_PORT,
  DEFAULT_MAX_DELIVERY_ATTEMPTS,
  type DaprSidecarOptions,
} from "./options.js";
export { createDaprSidecar, EMULATED_DAPR_VERSION, type DaprSidecar, type DaprSidecarDeps } from "./sidecar.js";
