/**
 * The API services the emulator implements itself: State, Pubsub and Config.
 */
export * from "./context.js";
export { createStateService, publishStateChange, State, type StateChangeEvent } from "./state-service.js";
export {
  createPubsubService,
  normaliseMetadata,
  Pubsub,
  DEFAULT_EVENT_TYPE,
  SUBSCRIPTION_ID_HEADER,
  type PubsubService,
  type PubsubServiceOptions,
} from "./pubsub-service.js";
export { createConfigService, Config } from "./config-service.js";
export { EventChannel, DEFAULT_STREAM_BUFFER } from "./event-channel.js";
export { codeName, okStatus, checkTopic, invalidArgument, MAX_TOPIC_LENGTH } from "./status.js";
