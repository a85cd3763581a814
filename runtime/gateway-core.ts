/**
 * The core of a typed gateway proxy: the same calls as a direct client, carried by
 * `Gateway.InvokeJson`. Requests are serialized to proto JSON, responses parsed back into the
 * typed message, and in-band failures raised as VirtufinError with their status code (by the
 * gateway target, e.g. ApiClient.invoke).
 */
import type { DescService } from "@bufbuild/protobuf";
import type { CallOptions } from "./call-options.js";
import type { ClientCore } from "./client-core.js";
import { Code, invalidArgument } from "./errors.js";
import { createJsonCore } from "./json-core.js";

/** What a gateway proxy calls through: anything with `invoke` (an ApiClient). */
export interface JsonGateway {
  /**
   * Calls `method` of the backend `service` with a JSON request through `Gateway.InvokeJson`
   * and returns the parsed JSON response; an in-band failure is thrown as a VirtufinError.
   */
  invoke(service: string, method: string, request: unknown, options?: CallOptions): Promise<unknown>;
}

/**
 * Creates the core of a gateway proxy for `service`, dispatched to the Gateway backend named
 * `backend` (as the Gateway's services configuration lists it).
 */
export function createGatewayCore(service: DescService, gateway: JsonGateway, backend: string): ClientCore {
  if (typeof gateway?.invoke !== "function") {
    throw invalidArgument(`a ${service.name} gateway proxy needs a target with invoke() (an ApiClient)`);
  }
  return createJsonCore(
    (method, request, options) => gateway.invoke(backend, method.name, request, options),
    (method) => `${backend}.${method.name}`,
    "the Gateway dispatches unary methods only",
    Code.DataLoss,
  );
}
