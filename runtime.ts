/**
 * The runtime entry that generated clients import (`@virtufin/sdk/runtime`, the default of the
 * plugin's `runtime=` option): the cores behind generated direct clients, gateway proxies and
 * pub/sub proxies, and the types their signatures name. It exists for generated code, as
 * protobuf-es's `codegenv2` does; applications import `@virtufin/sdk` instead. Its members may
 * change between minor versions together with the plugin that generates code against them.
 *
 * @module
 */
export type { CallOptions } from "./runtime/call-options.js";
export { createClientCore, flatArgs, mapAsync, type ClientCore, type ClientTarget } from "./runtime/client-core.js";
export { bidiStream, clientStream } from "./runtime/streaming-calls.js";
export { RequestTimeoutError, throwIfFailed, type InBandStatus } from "./runtime/errors.js";
export { checkRequest, normalizeInit, type RequestNormalizer } from "./runtime/request-init.js";
export type {
  AnyMessage,
  FieldInit,
  MessageInit,
  OneofInit,
  OneofKeys,
  OneofMembers,
  RequestInit,
  UnionToIntersection,
} from "./runtime/request-init.js";
export { createGatewayCore, type JsonGateway } from "./runtime/gateway-core.js";
export {
  createPubsubCore,
  servePubsub,
  type MethodBinding,
  type PubsubBinding,
  type PubsubImplementation,
  type PubsubTarget,
  type ReplyEvent,
} from "./platform/pubsub/pubsub-core.js";
export { Runner } from "./runtime/runners/runner.js";
