/**
 * Gateway dispatch for the platform client.
 *
 * @module
 */
export {
  createGatewayDispatch,
  createServiceProxy,
  type DynamicMethod,
  type GatewayDispatch,
  type JsonInvoker,
  type JsonValue,
  type KnownServiceProxy,
  type ServiceProxy,
} from "./dynamic.js";
export { GatewayEvent } from "./gateway-event.js";
