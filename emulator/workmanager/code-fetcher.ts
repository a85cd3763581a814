/**
 * Fetches worker code from a URL, guarded against SSRF: only absolute http(s) URLs, only hosts
 * on the allow-list, no private/loopback/link-local/metadata addresses after DNS resolution
 * (the vetted address is the one connected to, so DNS cannot change between check and use),
 * redirects followed by hand (at most 5, each re-checked), a size cap and an overall time limit.
 *
 * Refusals of the URL itself are INVALID_ARGUMENT; a fetch that was tried and failed is
 * FAILED_PRECONDITION. Messages show the URL without credentials or query string.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { guardedLookup, hostRefusal, PrivateAddressError, privateAllowed, type Resolver } from "./address-guard.js";

export { privateAllowed } from "./address-guard.js";

/** Limits applied to one fetch. */
export interface CodeFetchLimits {
  /** The host allow-list (see isAllowedHost). */
  readonly allowedHosts: readonly string[];
  /**
   * Where private addresses are allowed: `true` everywhere (tests serving code on 127.0.0.1), or
   * the hosts (`name` or `name:port`, as written in the URL) that may be private. Every redirect
   * hop is judged on its own, so an allowed host cannot redirect to another private one.
   */
  readonly allowPrivate: boolean | readonly string[];
  /** The size cap in bytes. */
  readonly maxBytes: number;
  /** The overall time limit in ms. */
  readonly timeoutMs: number;
  /** How host names are resolved (default: the system resolver). */
  readonly resolve?: Resolver;
}

const MAX_REDIRECTS = 5;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Parses a code URL: absolute http(s) only (INVALID_ARGUMENT otherwise). */
export function parseCodeUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConnectError("code URL must be an absolute http(s) URL", Code.InvalidArgument);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConnectError(`code URL must use http or https, not ${url.protocol.replace(/:$/, "")}`, Code.InvalidArgument);
  }
  return url;
}

/** A URL as it may appear in messages: no credentials, no query string. */
export function describeUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** Fetches code from `raw` within the limits. */
export async function fetchCode(raw: string, limits: CodeFetchLimits): Promise<Uint8Array> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let url = parseCodeUrl(raw);
  for (let redirects = 0; ; redirects++) {
    checkHost(url, limits);
    const response = await get(url, privateAllowed(url, limits.allowPrivate), signal, limits);
    const status = response.statusCode ?? 0;
    if (REDIRECTS.has(status)) {
      response.resume();
      const location = response.headers.location;
      if (!location) throw failed(url, `HTTP ${status} without a Location header`);
      if (redirects >= MAX_REDIRECTS) throw failed(url, `more than ${MAX_REDIRECTS} redirects`);
      try {
        url = parseCodeUrl(new URL(location, url).href);
      } catch (err) {
        throw new ConnectError(
          `code URL ${describeUrl(url)} redirects to a URL that is not http(s)`,
          ConnectError.from(err).code,
        );
      }
      continue;
    }
    if (status < 200 || status > 299) {
      response.resume();
      throw failed(url, `HTTP ${status}`);
    }
    return readBody(response, url, limits, signal);
  }
}

function checkHost(url: URL, limits: CodeFetchLimits): void {
  const refusal = hostRefusal(url, limits);
  if (refusal?.reason === "not-allowed") {
    throw new ConnectError(
      `code URL host "${refusal.host}" is not allowed (allowed: ${limits.allowedHosts.join(", ") || "none"}; set the WorkManager option allowedCodeHosts)`,
      Code.InvalidArgument,
    );
  }
  if (refusal?.reason === "private-address") throw privateAddress(url, refusal.address);
  if (refusal?.reason === "private-name") {
    throw new ConnectError(
      `code URL ${describeUrl(url)} names the private host "${refusal.host}", which is refused (option allowPrivateCodeHosts allows it)`,
      Code.InvalidArgument,
    );
  }
}

function get(url: URL, allowPrivate: boolean, signal: AbortSignal, limits: CodeFetchLimits): Promise<IncomingMessage> {
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(url, {
      agent: false,
      signal,
      lookup: guardedLookup(allowPrivate, limits.resolve),
      headers: { accept: "*/*", "user-agent": "virtufin-emulator-workmanager" },
    });
    request.on("response", resolve);
    request.on("error", (err) => reject(mapError(err, url, limits, signal)));
  });
}

function readBody(response: IncomingMessage, url: URL, limits: CodeFetchLimits, signal: AbortSignal): Promise<Uint8Array> {
  const declared = Number(response.headers["content-length"] ?? NaN);
  if (Number.isFinite(declared) && declared > limits.maxBytes) {
    response.destroy();
    return Promise.reject(failed(url, `the code is ${declared} bytes, more than the limit of ${limits.maxBytes}`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // The first outcome wins: destroying the response below emits "aborted" and "error" too.
    let settled = false;
    const settle = (fn: () => void) => {
      if (!settled) {
        settled = true;
        fn();
      }
    };
    response.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) {
        settle(() => reject(failed(url, `the code is more than the limit of ${limits.maxBytes} bytes`)));
        response.destroy();
        return;
      }
      chunks.push(chunk);
    });
    response.on("end", () => settle(() => resolve(new Uint8Array(Buffer.concat(chunks)))));
    response.on("error", (err) => settle(() => reject(mapError(err, url, limits, signal))));
    response.on("aborted", () => settle(() => reject(mapError(new Error("the connection was aborted"), url, limits, signal))));
  });
}

function mapError(err: unknown, url: URL, limits: CodeFetchLimits, signal: AbortSignal): ConnectError {
  if (err instanceof PrivateAddressError) return privateAddress(url, err.address);
  if (signal.aborted) return failed(url, `timed out after ${limits.timeoutMs} ms`);
  return failed(url, err instanceof Error ? err.message : String(err));
}

function privateAddress(url: URL, address: string): ConnectError {
  return new ConnectError(
    `code URL ${describeUrl(url)} resolves to the private address ${address}, which is refused (option allowPrivateCodeHosts allows it, for tests)`,
    Code.InvalidArgument,
  );
}

function failed(url: URL, reason: string): ConnectError {
  return new ConnectError(`fetching code from ${describeUrl(url)} failed: ${reason}`, Code.FailedPrecondition);
}
