/**
 * Connect context values through which telemetry travels from a call site to the interceptor
 * (client) and from the server interceptor to handlers (emulator). Explicit values rather than
 * OpenTelemetry's active context: they work whether or not the user registered a context manager.
 */
import { createContextKey } from "@connectrpc/connect";

/**
 * The OpenTelemetry `Context` a call's span is a child of (client), or the server span's
 * context (given to handlers on the server). Undefined: the active context.
 */
export const TRACE_CONTEXT_KEY = /* @__PURE__ */ createContextKey<unknown>(undefined, { description: "virtufin trace context" });

/** A span a client core already opened for this call (it covers every retry); the interceptor only propagates it. */
export const RPC_SPAN_KEY = /* @__PURE__ */ createContextKey<unknown>(undefined, { description: "virtufin rpc span" });

/** Extra span attributes for this call (e.g. the backend of a Gateway dispatch); never credentials or payloads. */
export const RPC_ATTRIBUTES_KEY = /* @__PURE__ */ createContextKey<Readonly<Record<string, string>> | undefined>(undefined, {
  description: "virtufin rpc attributes",
});

/** True for a call that is plumbing, not the user's (pub/sub liveness probes): no span of its own. */
export const UNTRACED_KEY = /* @__PURE__ */ createContextKey<boolean>(false, { description: "virtufin untraced call" });
