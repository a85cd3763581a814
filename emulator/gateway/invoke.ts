/**
 * Dynamic dispatch of Gateway.Invoke / Gateway.InvokeJson to a backend's unary method, with
 * failures reported in-band (`success=false`, `status` = gRPC code name, `message`).
 */
import { fromBinary, fromJson, toBinary, toJson, type DescMethodUnary, type JsonValue, type Message } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { codeName } from "../services/status.js";
import type { Backends, ResolvedMethod } from "./backends.js";

/** The in-band outcome of a dynamic call. */
export interface InvokeOutcome<T> {
  /** True when the backend call succeeded. */
  readonly success: boolean;
  /** "OK" or the gRPC code name of the failure. */
  readonly status: string;
  /** The failure detail. */
  readonly message: string;
  /** The response (JSON text or serialized bytes) on success. */
  readonly data?: T;
}

/**
 * Request headers that are NOT forwarded to the backend: hop-by-hop HTTP headers, HTTP/2 pseudo
 * headers and the protocol's own headers (the Gateway's transport sets its own).
 */
const NOT_FORWARDED = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "content-type",
  "content-length",
  "content-encoding",
  "accept-encoding",
  "accept",
  "user-agent",
  "x-user-agent",
  "x-grpc-web",
  "origin",
  "referer",
]);

/** The request headers to pass on to a backend (x-api-key, correlationid, tracing, custom ones). */
export function forwardedHeaders(header: Headers): Headers {
  const out = new Headers();
  header.forEach((value, key) => {
    const lower = key.toLowerCase();
    if (lower.startsWith(":") || NOT_FORWARDED.has(lower)) return;
    if (lower.startsWith("grpc-") || lower.startsWith("connect-") || lower.startsWith("access-control-")) return;
    out.append(lower, value);
  });
  return out;
}

/** Codes after which the reflection cache of a backend is dropped: it may have changed or moved. */
const STALE_CODES = new Set([Code.Unimplemented, Code.NotFound, Code.Unavailable]);

const failure = <T>(err: unknown): InvokeOutcome<T> => {
  const error = ConnectError.from(err);
  return { success: false, status: codeName(error.code), message: error.rawMessage };
};

/** Parses a JSON request with the method's input type (lowerCamel or snake_case names). */
function parseJsonRequest(resolved: ResolvedMethod, text: string): Message {
  let json: JsonValue;
  try {
    json = text.trim() === "" ? {} : (JSON.parse(text) as JsonValue);
  } catch (err) {
    throw new ConnectError(
      `request_data is not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
      Code.InvalidArgument,
    );
  }
  try {
    return fromJson(resolved.method.input, json, { registry: resolved.registry });
  } catch (err) {
    throw new ConnectError(
      `request_data does not match ${resolved.method.input.typeName}: ${err instanceof Error ? err.message : String(err)}`,
      Code.InvalidArgument,
    );
  }
}

async function call(
  backends: Backends,
  service: string,
  resolved: ResolvedMethod,
  request: Message,
  ctx: HandlerContext,
): Promise<Message> {
  const unary = resolved.method;
  if (unary.methodKind !== "unary") {
    throw new ConnectError(
      `Method '${resolved.method.name}' is ${resolved.method.methodKind.replace("_", "-")}; only unary methods can be invoked`,
      Code.Unimplemented,
    );
  }
  // Straight onto the pooled transport: building a Connect client per call showed up in the
  // gateway proxy benchmark.
  try {
    const response = await resolved.transport.unary(
      unary as DescMethodUnary,
      ctx.signal,
      ctx.timeoutMs() ?? 30_000,
      forwardedHeaders(ctx.requestHeader),
      request,
      // The server span's context travels on: with tracing, the hop is its child.
      ctx.values,
    );
    return response.message;
  } catch (err) {
    const error = ConnectError.from(err);
    if (STALE_CODES.has(error.code)) backends.invalidate(service);
    throw error;
  }
}

/** Gateway.InvokeJson: JSON in, canonical proto3 JSON (lowerCamel) out. Never throws. */
export async function invokeJson(
  backends: Backends,
  service: string,
  method: string,
  requestData: string,
  ctx: HandlerContext,
): Promise<InvokeOutcome<string>> {
  try {
    const resolved = backends.resolveCached(service, method) ?? (await backends.resolve(service, method));
    const request = parseJsonRequest(resolved, requestData);
    const response = await call(backends, service, resolved, request, ctx);
    const json = toJson(resolved.method.output, response, { registry: resolved.registry });
    return { success: true, status: "OK", message: "", data: JSON.stringify(json) };
  } catch (err) {
    return failure(err);
  }
}

/** Gateway.Invoke: serialized request in, serialized response out. Never throws. */
export async function invokeBinary(
  backends: Backends,
  service: string,
  method: string,
  requestData: Uint8Array,
  ctx: HandlerContext,
): Promise<InvokeOutcome<Uint8Array>> {
  try {
    const resolved = backends.resolveCached(service, method) ?? (await backends.resolve(service, method));
    let request: Message;
    try {
      request = fromBinary(resolved.method.input, requestData);
    } catch (err) {
      throw new ConnectError(
        `request_data is not a valid ${resolved.method.input.typeName}: ${err instanceof Error ? err.message : String(err)}`,
        Code.InvalidArgument,
      );
    }
    const response = await call(backends, service, resolved, request, ctx);
    return { success: true, status: "OK", message: "", data: toBinary(resolved.method.output, response) };
  } catch (err) {
    return failure(err);
  }
}
