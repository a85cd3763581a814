/**
 * CORS for the gRPC-Web server, so browsers on other origins can call it.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { cors as connectCors } from "@connectrpc/connect";

/** Headers browsers may send beyond the protocol's own: auth, correlation and tracing. */
export const EXTRA_ALLOWED_HEADERS = ["x-api-key", "correlationid", "traceparent", "tracestate", "authorization"];

/** CORS options of the emulator's HTTP servers (what `applyCors` answers preflight requests with). */
export interface CorsOptions {
  /** Allowed origins; `["*"]` (the default) allows any origin. */
  readonly origins?: readonly string[];
}

/**
 * Adds CORS headers to a response and answers preflight requests. Returns true when the request
 * was a preflight and has been answered.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, options: CorsOptions = {}): boolean {
  const origins = options.origins ?? ["*"];
  const origin = req.headers.origin;
  const allowed = origin !== undefined && (origins.includes("*") || origins.includes(origin));
  if (allowed) {
    // Echo the origin rather than "*" so that credentialed requests work too.
    res.setHeader("Access-Control-Allow-Origin", origin);
    res.setHeader("Vary", "Origin");
    res.setHeader("Access-Control-Expose-Headers", [...connectCors.exposedHeaders].join(", "));
  }
  if (req.method !== "OPTIONS" || req.headers["access-control-request-method"] === undefined) return false;
  if (allowed) {
    res.setHeader("Access-Control-Allow-Methods", [...connectCors.allowedMethods].join(", "));
    res.setHeader("Access-Control-Allow-Headers", [...connectCors.allowedHeaders, ...EXTRA_ALLOWED_HEADERS].join(", "));
    res.setHeader("Access-Control-Max-Age", "7200");
  }
  res.statusCode = 204;
  res.end();
  return true;
}
