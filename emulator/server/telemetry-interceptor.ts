/**
 * Server spans: every RPC on every emulator server continues the caller's trace (W3C
 * `traceparent`/`tracestate` request headers) with a span after the RPC semantic conventions.
 * Handlers find the span's context in their context values (`TRACE_CONTEXT_KEY`), which is how
 * the Gateway's hop to a backend and the pub/sub delivery become its children.
 */
import type { Interceptor } from "@connectrpc/connect";
import { TRACE_CONTEXT_KEY, type ServerInfo, type Telemetry } from "@virtufin/sdk/internal";

/** Creates the interceptor of a server; `server()` tells where it listens (known once bound). */
export function createServerTelemetryInterceptor(telemetry: Telemetry, server: () => ServerInfo): Interceptor {
  return (next) => async (req) => {
    const parent = telemetry.remote(req.header.get("traceparent"), req.header.get("tracestate")) ?? telemetry.parent(undefined);
    const rpc = telemetry.startRpc(req.service.typeName, req.method.name, server(), parent, "server");
    req.contextValues.set(TRACE_CONTEXT_KEY, telemetry.withSpan(parent, rpc.span));
    let response;
    try {
      response = await next(req);
    } catch (error) {
      telemetry.endRpc(rpc, error);
      throw error;
    }
    if (!response.stream) {
      telemetry.endRpc(rpc);
      return response;
    }
    return { ...response, message: traced(response.message, telemetry, rpc) };
  };
}

async function* traced<T>(
  messages: AsyncIterable<T>,
  telemetry: Telemetry,
  rpc: Parameters<Telemetry["endRpc"]>[0],
): AsyncGenerator<T> {
  let failure: unknown;
  try {
    yield* messages;
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    telemetry.endRpc(rpc, failure);
  }
}
