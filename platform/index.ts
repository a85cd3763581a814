/**
 * The Virtufin platform client: `ApiClient` with state, pub/sub, request-reply, Gateway dispatch
 * and event streams, built on the generated clients' runtime.
 *
 * @module
 */
export { ApiClient, type ApiClientOptions, type HealthStatus, type PlatformGateway, type PlatformSubscribeOptions } from "./api-client.js";
export * from "./gateway/index.js";
export * from "./pubsub/index.js";
export * from "./state/index.js";
export * from "./workmanager/index.js";
export * from "./reflection/index.js";
