/**
 * What the gateway and pub/sub cores share: a client core whose unary calls travel as proto JSON
 * over some carrier, and which has no streams.
 */
import {
  create,
  fromJson,
  toJson,
  type DescMessage,
  type DescMethod,
  type JsonValue,
  type MessageShape,
} from "@bufbuild/protobuf";
import type { CallOptions } from "./call-options.js";
import type { ClientCore } from "./client-core.js";
import { Code, VirtufinError } from "./errors.js";
import { normalizeInit, type RequestInit } from "./request-init.js";

/** Carries one request, as proto JSON, and returns the response as JSON. */
export type JsonCarrier = (method: DescMethod, request: JsonValue, options: CallOptions | undefined) => Promise<unknown>;

/**
 * A core whose unary calls are serialized to proto JSON, carried by `carry`, and parsed back
 * into the typed response (`code` is the error code of a response that does not parse). Streams
 * throw UNIMPLEMENTED with `why` in the message.
 */
export function createJsonCore(
  carry: JsonCarrier,
  describe: (method: DescMethod) => string,
  why: string,
  code: Code,
): ClientCore {
  const unsupported = (method: DescMethod): never => {
    throw new VirtufinError(`${describe(method)} is ${method.methodKind.replace("_", "-")}; ${why}`, Code.Unimplemented);
  };
  return {
    async unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethod & { input: I; output: O },
      request: RequestInit<I> | undefined,
      options?: CallOptions,
    ): Promise<MessageShape<O>> {
      const input = create(method.input, normalizeInit(method.input, request));
      const response = await carry(method, toJson(method.input, input), options);
      return parseMessage(method.output, (response ?? {}) as JsonValue, `${describe(method)} response`, code);
    },
    serverStream: (method) => unsupported(method),
    stream: (method) => unsupported(method),
    normalize: normalizeInit,
    // Such a core rides on a client it was given and does not own.
    close: async () => undefined,
  };
}

/** Parses proto JSON into a message; JSON that does not fit is a VirtufinError with `code`. */
export function parseMessage<D extends DescMessage>(desc: D, json: JsonValue, what: string, code: Code): MessageShape<D> {
  try {
    return fromJson(desc, json, { ignoreUnknownFields: true });
  } catch (error) {
    throw new VirtufinError(`${what} is not a valid ${desc.typeName}: ${(error as Error).message}`, code);
  }
}
