/**
 * The core of a typed gateway proxy: the same calls as a direct client, carried by
 * `Gateway.InvokeJson`. Requests are serialized to proto JSON, responses parsed back into the
 * typed message, and in-band failures raised as VirtufinError with their status code (by the
 * gateway target, e.g. ApiClient.invoke).
 */
import { create, fromJson, toJson, type DescMessage, type DescMethod, type DescService, type JsonValue, type MessageShape } from "@bufbuild/protobuf";
import type { CallOptions } from "./call-options.js";
import type { ClientCore } from "./client-core.js";
import { Code, VirtufinError } from "./errors.js";
import { normalizeInit, type RequestInit } from "./request-init.js";

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
    throw new TypeError(`a ${service.name} gateway proxy needs a target with invoke() (an ApiClient)`);
  }
  const unsupported = (method: DescMethod): never => {
    throw new VirtufinError(
      `${service.typeName}.${method.name} is ${method.methodKind.replace("_", "-")}; the Gateway dispatches unary methods only`,
      Code.Unimplemented,
    );
  };
  return {
    async unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethod & { input: I; output: O },
      request: RequestInit<I> | undefined,
      options?: CallOptions,
    ): Promise<MessageShape<O>> {
      const input = create(method.input, normalizeInit(method.input, request));
      const response = await gateway.invoke(backend, method.name, toJson(method.input, input), options);
      try {
        return fromJson(method.output, (response ?? {}) as JsonValue, { ignoreUnknownFields: true });
      } catch (error) {
        throw new VirtufinError(`${backend}.${method.name} answered JSON that is not a ${method.output.typeName}: ${(error as Error).message}`, Code.DataLoss);
      }
    },
    serverStream: (method) => unsupported(method),
    clientStream: (method) => unsupported(method),
    bidiStream: (method) => unsupported(method),
    // The proxy does not own the gateway client it was given.
    close: async () => undefined,
  };
}
