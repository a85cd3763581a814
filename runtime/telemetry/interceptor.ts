/**
 * The client side of tracing as a Connect interceptor: a span per call (unless a client core
 * opened one already, to cover its retries), W3C trace context in the request headers, and
 * streams in flight counted until they end.
 */
import { Code, ConnectError, createContextValues, type Interceptor, type StreamResponse } from "@connectrpc/connect";
import type { CallOptions } from "../call-options.js";
import { RPC_ATTRIBUTES_KEY, RPC_SPAN_KEY, UNTRACED_KEY } from "./context-keys.js";
import type { RpcSpan, ServerInfo, Telemetry } from "./telemetry.js";
import { codeOf } from "./telemetry.js";

export { serverOf } from "./telemetry.js";

/** Call options whose span names the Gateway backend and method a dispatch reaches (never the request). */
export function dispatchOptions(service: string, method: string, options: CallOptions | undefined): CallOptions {
  const contextValues = options?.contextValues ?? createContextValues();
  contextValues.set(RPC_ATTRIBUTES_KEY, { "virtufin.gateway.service": service, "virtufin.gateway.method": method });
  return { ...options, contextValues };
}

/** Creates the tracing interceptor of a transport to `server`. */
export function createTelemetryInterceptor(telemetry: Telemetry, server: ServerInfo): Interceptor {
  return (next) => async (req) => {
    const owned = req.contextValues.get(RPC_SPAN_KEY) as RpcSpan | undefined;
    if (owned) {
      // A client core's call: its span spans the retries; each attempt carries it.
      telemetry.injectHeaders(owned.span, req.header);
      return next(req);
    }
    if (req.contextValues.get(UNTRACED_KEY)) return next(req);
    const parent = telemetry.parent(req.contextValues);
    const rpc = telemetry.startRpc(
      req.service.typeName,
      req.method.name,
      server,
      parent,
      "client",
      req.contextValues.get(RPC_ATTRIBUTES_KEY),
    );
    telemetry.injectHeaders(rpc.span, req.header);
    if (!req.stream) {
      try {
        const response = await next(req);
        telemetry.endRpc(rpc);
        return response;
      } catch (error) {
        telemetry.endRpc(rpc, error);
        throw error;
      }
    }
    let response: StreamResponse;
    try {
      response = (await next(req)) as StreamResponse;
    } catch (error) {
      telemetry.endRpc(rpc, error);
      throw error;
    }
    telemetry.streamDelta(1, rpc.attributes);
    return { ...response, message: traced(response.message, telemetry, rpc) };
  };
}

/** Passes a stream's messages on and ends its span when the stream ends, fails or is left. */
async function* traced<T>(messages: AsyncIterable<T>, telemetry: Telemetry, rpc: RpcSpan): AsyncGenerator<T> {
  let ended = false;
  let failure: unknown;
  try {
    for await (const message of messages) yield message;
    ended = true;
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    telemetry.streamDelta(-1, rpc.attributes);
    // A consumer that stopped reading early cancelled the stream.
    const outcome = failure ?? (ended ? undefined : new ConnectError("the stream was closed by its consumer", Code.Canceled));
    telemetry.endRpc(rpc, outcome === undefined || (codeOf(outcome) as number) === 0 ? undefined : outcome);
  }
}
