/**
 * Pub/sub for the platform client: events, publishing, subscriptions and request-reply.
 *
 * @module
 */
export { encodeData, type EncodedData, type EventData } from "./encode.js";
export { PubsubEvent, type PubsubEventInit } from "./event.js";
export {
  PROBE_KEY,
  PlatformPubsub,
  reportReconnect,
  runHandler,
  type EventHandler,
  type HandlerSubscription,
  type PublishOptions,
  type PublishWithResultOptions,
  type SubscribeOptions,
} from "./pubsub-client.js";
export { backoff, reconnectingStream, type ReconnectInfo, type ReconnectingStreamOptions, type ReconnectOptions } from "./reconnecting-stream.js";
export { ReplyRouter, type ReplyRouterOptions, type ReplyTransport } from "./reply-router.js";
export {
  ERROR_CODE_KEY,
  ERROR_MESSAGE_KEY,
  replyError,
  Responder,
  SubscriptionWorker,
  type EventListener,
  type ResponderHandler,
  type ResponderOptions,
  type SubscriptionWorkerOptions,
} from "./workers.js";
