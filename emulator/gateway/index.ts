/**
 * The Gateway: backends reached through reflection, dynamic dispatch, and platform event streams.
 */
export { createGatewayService, Gateway, type GatewayServiceOptions } from "./gateway-service.js";
export { Backends, type BackendsOptions, type ResolvedMethod } from "./backends.js";
export { forwardedHeaders, invokeBinary, invokeJson, type InvokeOutcome } from "./invoke.js";
export { classify, matches, toTopicEvent, type ClassifiedEvent, type EventFilter, type EventType } from "./events.js";
