/**
 * Converting headers between Node's HTTP/2 objects and the Fetch `Headers` Connect's `Transport`
 * interface carries.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http2";

/** Pseudo-headers by request URL: parsing a URL on every call showed in the profile. */
const pseudoHeaders = new Map<string, { ":path": string; ":scheme": string; ":authority": string }>();

/** The HTTP/2 request headers of a call: pseudo-headers from its URL, then its own headers. */
export function toNodeHeaders(req: { readonly url: string; readonly header: Headers }): OutgoingHttpHeaders {
  let pseudo = pseudoHeaders.get(req.url);
  if (!pseudo) {
    const url = new URL(req.url);
    pseudo = { ":path": url.pathname, ":scheme": url.protocol.slice(0, -1), ":authority": url.host };
    // Bounded: one entry per method and origin in practice; an interceptor rewriting URLs
    // per call must not make it grow without end.
    if (pseudoHeaders.size > 10_000) pseudoHeaders.clear();
    pseudoHeaders.set(req.url, pseudo);
  }
  const headers: OutgoingHttpHeaders = { ":method": "POST", ...pseudo };
  req.header.forEach((value, key) => void (headers[key] = value));
  return headers;
}

/** Response headers or trailers as Fetch `Headers` (what Connect's interface carries), without pseudo-headers. */
export function toHeaders(node: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const key in node) {
    if (key.startsWith(":")) continue;
    const value = node[key];
    if (Array.isArray(value)) for (const v of value) headers.append(key, v);
    else if (value !== undefined) headers.append(key, value);
  }
  return headers;
}
