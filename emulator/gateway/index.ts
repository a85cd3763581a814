/**
 * The Gateway: backends reached through reflection, dynamic dispatch, and platform event streams.
 */
export { createGatewayService, Gateway, type GatewayServiceOptions } from "./gateway-service.js";
export { Backends, type BackendsOptions, type ResolvedMethod } from "./backends.js";
// Reflection and method descriptions are the SDK's (one implementation, shared with its
// ReflectionClient); re-exported under the names the emulator has always used.
export {
  INFRASTRUCTURE_SERVICES,
  reflectServer as reflectBackend,
  type ReflectedServer as ReflectedBackend,
  fieldSchema,
  methodInfo,
  methodInfos,
  methodSchema,
} from "../../platform/reflection/index.js";
export { forwardedHeaders, invokeBinary, invokeJson, type InvokeOutcome } from "./invoke.js";
export { classify, matches, toTopicEvent, type ClassifiedEvent, type EventFilter, type EventType } from "./events.js";
