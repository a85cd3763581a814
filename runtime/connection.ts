/**
 * A connection to one Virtufin endpoint: the Connect transport, the credentials sent with every
 * call, default deadlines, and the calls in flight (so that closing the connection ends them).
 *
 * The transport comes from the `#transport` module, which the package's import conditions
 * resolve to Node's HTTP/2 stack in Node and to fetch everywhere else (gRPC-Web by default), so
 * browser bundles never reach Node's stack. In Node the default is gRPC over HTTP/2 with the
 * SDK's own transport (`./transport/node-grpc-transport.ts`; `nodeTransport: "connect-node"`
 * selects `@connectrpc/connect-node`'s, which also serves the grpc-web and connect protocols).
 */
import { Code, type Interceptor, type Transport } from "@connectrpc/connect";
import { allowManyListeners, builtinTelemetry, defaultProtocol, openTransport } from "#transport";
import { linkAbort, type LinkedAbort } from "./abort.js";
import { checkTimeout, DEFAULT_STREAM_TIMEOUT_MS, DEFAULT_TIMEOUT_MS } from "./call-options.js";
import { invalidArgument, VirtufinError } from "./errors.js";
import { resolveRetryPolicy, type ResolvedRetryPolicy, type RetryPolicy } from "./retry.js";
import { telemetrySupportOr } from "./telemetry/registry.js";
import type { TelemetrySupport } from "./telemetry/support.js";
import type { TelemetryOption } from "./telemetry/options.js";
import type { Telemetry } from "./telemetry/telemetry.js";
import type { Protocol, TlsOptions } from "./transport/types.js";

export type { Protocol, TlsOptions } from "./transport/types.js";

/** How to reach a Virtufin endpoint. */
export interface ConnectionOptions {
  /** Host name or address (default: the service's default host, usually "localhost"). */
  host?: string;
  /** Port (default: the service's default port, e.g. 5002 for the Gateway). */
  port?: number;
  /** A full base URL ("https://api.example.com:8443"), instead of host, port and tls. */
  baseUrl?: string;
  /** Use TLS (`true`, or TLS settings). Default: plaintext. */
  tls?: boolean | TlsOptions;
  /** Wire protocol. Default: "grpc" in Node, "grpc-web" in browsers (where "connect" needs `enableConnectProtocol()` first). */
  protocol?: Protocol;
  /** Sent as the `x-api-key` header of every call. Never logged or shown. */
  apiKey?: string;
  /** Sent as `authorization: Bearer <token>` on every call. Never logged or shown. */
  token?: string;
  /**
   * Allow credentials (apiKey, token, or `x-api-key` / `authorization` in `headers`) over
   * plaintext to a host that is not loopback. Off by default: anyone on the path could read them.
   */
  allowInsecureCredentials?: boolean;
  /** Default deadline of unary calls in ms (default 30,000). */
  timeoutMs?: number;
  /** Default deadline of streams in ms (default one day). */
  streamTimeoutMs?: number;
  /** Headers sent with every call. */
  headers?: HeadersInit;
  /** Connect interceptors, outermost first. */
  interceptors?: Interceptor[];
  /** Retries of unary calls that are safe to repeat (default: up to 5 attempts on UNAVAILABLE); `false` disables them. */
  retry?: RetryPolicy | false;
  /**
   * OpenTelemetry: `{ tracerProvider, meterProvider }` to report spans (one per RPC, W3C trace
   * context sent as metadata) and metrics to; `"global"` for the providers registered with
   * `@opentelemetry/api`; `false` (the default) for none, at no cost and without importing it.
   */
  telemetry?: TelemetryOption;
  /**
   * Node only, protocol "grpc": the HTTP/2 client. "http2" (default) is this SDK's own gRPC
   * transport over `node:http2` (runtime/transport/), which costs about half the CPU per call
   * of connect-node's and applies HTTP/2 flow control to server streams; "connect-node" is
   * `@connectrpc/connect-node`'s. When omitted, the environment variable
   * `VIRTUFIN_NODE_TRANSPORT` chooses, so a whole application or test suite can be switched
   * without code changes.
   */
  nodeTransport?: "connect-node" | "http2";
}

/** Default host and port of a service, from its proto's `google.api.default_host`. */
export interface EndpointDefaults {
  /** Default host. */
  host?: string;
  /** Default port. */
  port?: number;
}

/** Tracks one call in flight; `end()` must be called when the call settles. */
export interface CallScope {
  /** Aborted when the caller aborts or the connection closes. */
  readonly signal: AbortSignal;
  /** Forgets the call. */
  end(): void;
  /** Aborts the call (a consumer stopped reading a stream early) and forgets it. */
  cancel(): void;
}

/**
 * A connection to one endpoint, shared by any number of clients. Closing it aborts the calls in
 * flight and releases its HTTP/2 session.
 */
export class Connection implements AsyncDisposable {
  // Public fields are `declare`d: the constructor assigns every one, so no field list need be
  // emitted (smaller browser bundles; bench/bundle).
  /** The endpoint's base URL, e.g. "http://localhost:5002". */
  declare readonly baseUrl: string;
  /** The wire protocol. */
  declare readonly protocol: Protocol;
  /** Default deadline of unary calls, in ms. */
  declare readonly timeoutMs: number;
  /** Default deadline of streams, in ms. */
  declare readonly streamTimeoutMs: number;
  /** Retry policy of unary calls as given, or false when disabled (calls merge theirs over it). */
  declare readonly retry: RetryPolicy | false;
  /** The resolved retry policy for calls that bring none of their own (undefined: disabled). */
  declare readonly retryPolicy: ResolvedRetryPolicy | undefined;

  #transport: Transport | Promise<Transport> | undefined;
  #telemetry: Telemetry | undefined;
  #telemetryLoading: Promise<Telemetry | undefined> | undefined;
  #release: (() => void) | undefined;
  readonly #options: ConnectionOptions;
  readonly #credentials: Interceptor | undefined;
  /** Refuses credentials per call, when they must not go over plaintext to this host. */
  readonly #guard: Interceptor | undefined;
  readonly #inflight = new Set<LinkedAbort>();
  /** Aborted by close(); shared by the calls that have no signal of their own. */
  readonly #closing = new AbortController();
  #shared = 0;
  #closed = false;

  /**
   * Describes a connection; nothing is opened until the first call. Throws a VirtufinError
   * (INVALID_ARGUMENT) for options that make no sense, and refuses credentials over plaintext
   * to a non-loopback host unless `allowInsecureCredentials` is set.
   */
  constructor(options: ConnectionOptions | Transport = {}, defaults: EndpointDefaults = {}) {
    // A transport given as it is: nothing to resolve, the defaults apply.
    const given = isTransport(options) ? options : undefined;
    const o: ConnectionOptions = given ? {} : (options as ConnectionOptions);
    this.#transport = given;
    checkTimeout("timeoutMs", o.timeoutMs);
    checkTimeout("streamTimeoutMs", o.streamTimeoutMs);
    this.#options = o;
    this.baseUrl = given ? "transport:" : resolveBaseUrl(o, defaults);
    this.protocol = given ? "grpc" : (o.protocol ?? defaultProtocol);
    if (!["grpc", "grpc-web", "connect"].includes(this.protocol)) {
      throw invalidArgument(`unknown protocol "${String(this.protocol)}" (use "grpc", "grpc-web" or "connect")`);
    }
    this.timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.streamTimeoutMs = o.streamTimeoutMs ?? DEFAULT_STREAM_TIMEOUT_MS;
    this.retryPolicy = resolveRetryPolicy(o.retry, undefined);
    this.retry = o.retry ?? {};
    const insecure = insecureHost(this.baseUrl, o);
    this.#credentials = credentialsInterceptor(o, insecure);
    this.#guard = insecure === undefined ? undefined : plaintextCredentialsGuard(insecure);
    allowManyListeners(this.#closing.signal);
  }

  /** True when telemetry was asked for (its `telemetry` is set once loaded). */
  get telemetryEnabled(): boolean {
    return !!this.#options.telemetry;
  }

  /**
   * The loaded telemetry (after the first call or `loadTelemetry()`), or undefined when off.
   *
   * @internal
   */
  get telemetry(): Telemetry | undefined {
    return this.#telemetry;
  }

  /** Loads the telemetry asked for (`@opentelemetry/api` is imported only now); undefined when off.
   *
   * @internal
   */
  loadTelemetry(): Promise<Telemetry | undefined> {
    this.#telemetryLoading ??= (this.#support()?.load(this.#options.telemetry) ?? Promise.resolve(undefined)).then(
      (t) => (this.#telemetry = t),
    );
    return this.#telemetryLoading;
  }

  /**
   * The telemetry code (spans of RPCs and of pub/sub), when telemetry is asked for.
   *
   * @internal
   */
  get telemetrySupport(): TelemetrySupport | undefined {
    return this.#support();
  }

  /** The telemetry code, when telemetry is asked for; a clear error when a browser page did not enable it. */
  #support(): TelemetrySupport | undefined {
    if (!this.#options.telemetry) return undefined;
    const support = telemetrySupportOr(builtinTelemetry);
    if (!support) {
      throw new VirtufinError(
        // Why (its code and @opentelemetry/api stay out of pages that do not ask): README, "Use it in a browser".
        "the telemetry option in a browser needs enableTelemetry() from @virtufin/sdk, called once first",
        Code.FailedPrecondition,
      );
    }
    return support;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * The Connect transport, created on first use: at once without telemetry, after the
   * OpenTelemetry API has loaded (once) with it.
   */
  transport(): Transport | Promise<Transport> {
    if (this.#closed) throw new VirtufinError("the connection is closed", Code.Canceled);
    if (this.#transport === undefined) {
      if (this.#options.telemetry) {
        this.#transport = this.loadTelemetry().then((telemetry) => (this.#transport = this.#createTransport(telemetry)));
      } else {
        this.#transport = this.#createTransport(undefined);
      }
    }
    return this.#transport;
  }

  /** Starts tracking a call; its signal aborts on the caller's signal or on `close()`. */
  begin(signal: AbortSignal | undefined, cancellable = false): CallScope {
    if (this.#closed) throw new VirtufinError("the connection is closed", Code.Canceled);
    if (!signal && !cancellable) {
      // The common case, kept cheap: no caller signal and no early cancel, so the call can share
      // the connection's own signal, which close() aborts.
      this.#shared++;
      // close() forgets every call at once; calls that end after it have nothing to forget.
      const end = () => void (this.#closed || this.#shared--);
      return { signal: this.#closing.signal, end, cancel: end };
    }
    const call = linkAbort(signal);
    this.#inflight.add(call);
    return {
      signal: call.signal,
      end: () => {
        call.unlink();
        this.#inflight.delete(call);
      },
      cancel: () => {
        this.#inflight.delete(call);
        call.abort(new VirtufinError("the stream was closed by its consumer", Code.Canceled));
      },
    };
  }

  /** The number of calls in flight (for tests and diagnostics). */
  get inflight(): number {
    return this.#shared + this.#inflight.size;
  }

  /** Aborts every call in flight and releases the HTTP/2 session. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const reason = new VirtufinError("the connection was closed", Code.Canceled);
    this.#closing.abort(reason);
    for (const call of this.#inflight) call.abort(reason);
    this.#inflight.clear();
    this.#shared = 0;
    this.#release?.();
  }

  /** `await using connection = new Connection(...)` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #createTransport(telemetry: Telemetry | undefined): Transport {
    const options = this.#options;
    // Fixed headers first, then credentials and the user's interceptors; the guard innermost, so
    // that it sees per-call headers and whatever other interceptors added; telemetry outermost,
    // so that its span covers what the other interceptors do.
    const interceptors = [
      telemetry && this.#support()!.interceptor(telemetry, this.baseUrl),
      options.headers && headersInterceptor(options.headers),
      this.#credentials,
      ...(options.interceptors ?? []),
      this.#guard,
    ].filter((i) => i !== undefined);
    const opened = openTransport({
      baseUrl: this.baseUrl,
      protocol: this.protocol,
      tls: typeof options.tls === "object" ? options.tls : undefined,
      interceptors,
      ...(options.nodeTransport ? { nodeTransport: options.nodeTransport } : {}),
    });
    this.#release = opened.release;
    return opened.transport;
  }
}

/** True when `value` is a Connect transport rather than connection options. */
export function isTransport(value: unknown): value is Transport {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Transport).unary === "function" &&
    typeof (value as Transport).stream === "function"
  );
}

/**
 * True for loopback hosts, where plaintext credentials cannot be read off the network:
 * `localhost`, 127/8 and ::1. Not `*.localhost`: common resolvers (glibc) send such names to the
 * DNS server, which may answer with any address.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);
}

function resolveBaseUrl(options: ConnectionOptions, defaults: EndpointDefaults): string {
  if (options.baseUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw invalidArgument(`baseUrl "${options.baseUrl}" is not a URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw invalidArgument(`baseUrl must be http: or https:, got "${url.protocol}"`);
    }
    // TLS settings with an http: URL would silently go out in plaintext.
    if (url.protocol === "http:" && options.tls) throw invalidArgument("tls is set but baseUrl is http:; use an https: baseUrl");
    return url.origin + url.pathname.replace(/\/$/, "");
  }
  const host = options.host ?? defaults.host ?? "localhost";
  const port = options.port ?? defaults.port;
  if (typeof host !== "string" || host.length === 0 || /[\s/?#@]/.test(host)) {
    throw invalidArgument(`host must be a host name or address, got ${JSON.stringify(host)}`);
  }
  if (port === undefined) throw invalidArgument("port is required (this service has no default port)");
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw invalidArgument(`port must be an integer from 1 to 65535, got ${String(port)}`);
  }
  const scheme = options.tls ? "https" : "http";
  const hostPart = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return `${scheme}://${hostPart}:${port}`;
}

/**
 * The host that credentials must not be sent to: a non-loopback host over plaintext, unless
 * `allowInsecureCredentials` is set (anyone on the path could read them); else undefined.
 */
function insecureHost(baseUrl: string, options: ConnectionOptions): string | undefined {
  const url = new URL(baseUrl);
  return url.protocol === "http:" && !isLoopbackHost(url.hostname) && !options.allowInsecureCredentials
    ? url.hostname
    : undefined;
}

function refuseCredentials(host: string): VirtufinError {
  return invalidArgument(
    `refusing to send credentials over plaintext to ${host}: use tls, or set ` +
      "allowInsecureCredentials: true if the network path is trusted",
  );
}

function credentialsInterceptor(options: ConnectionOptions, insecure: string | undefined): Interceptor | undefined {
  const { apiKey, token, headers } = options;
  // Credentials passed as fixed headers are credentials too.
  const fixed = headers && new Headers(headers);
  if (insecure && (apiKey !== undefined || token !== undefined || fixed?.has("x-api-key") || fixed?.has("authorization"))) {
    throw refuseCredentials(insecure);
  }
  if (apiKey === undefined && token === undefined) return undefined;
  // The credentials live only in this closure: never on an object that could be logged or inspected.
  return (next) => (req) => {
    if (apiKey !== undefined) req.header.set("x-api-key", apiKey);
    if (token !== undefined) req.header.set("authorization", `Bearer ${token}`);
    return next(req);
  };
}

/**
 * Plaintext to a non-loopback host without the opt-in: refuses, before anything is sent, a call
 * whose headers carry credentials (given per call or added by an interceptor).
 */
function plaintextCredentialsGuard(host: string): Interceptor {
  return (next) => (req) => {
    if (req.header.has("x-api-key") || req.header.has("authorization")) throw refuseCredentials(host);
    return next(req);
  };
}

function headersInterceptor(headers: HeadersInit): Interceptor {
  const fixed = new Headers(headers);
  return (next) => (req) => {
    fixed.forEach((value, key) => {
      if (!req.header.has(key)) req.header.set(key, value);
    });
    return next(req);
  };
}
