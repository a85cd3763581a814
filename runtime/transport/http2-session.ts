/**
 * One HTTP/2 connection to a gRPC server, reopened when needed: lazily on the first call, again
 * after the server's GOAWAY (calls in flight finish on the old session, new calls go to a new
 * one) or after the connection failed. The socket is unref'ed while no stream is open, so an
 * idle client never keeps a Node process alive.
 *
 * Flow control: this client grants each stream a window of {@link STREAM_WINDOW} bytes and the
 * connection {@link CONNECTION_WINDOW}, instead of HTTP/2's (and Node's and grpc-js's) 65,535.
 * With 64 KiB a server streaming small messages fills the window in about 190 of them and then
 * waits for each WINDOW_UPDATE, so its sending stalls whenever this process is busy reading;
 * with 1 MiB it rarely waits (bench/runtime/README.md). A slow reader still stops the server:
 * it holds at most one stream window of unread data per stream.
 */
import * as http2 from "node:http2";
import type { SecureClientSessionOptions } from "node:http2";

/** The last stream id a server's GOAWAY said it processed, per session. */
const goawayLastStream = new WeakMap<http2.ClientHttp2Session, number>();

/**
 * True when the server's GOAWAY said it never processed `stream` (its id is above the last one
 * the server named): the call did not run and is safe to retry, which gRPC calls UNAVAILABLE.
 */
export function refusedByGoaway(stream: http2.ClientHttp2Stream): boolean {
  const last = stream.session ? goawayLastStream.get(stream.session as http2.ClientHttp2Session) : undefined;
  return last !== undefined && stream.id !== undefined && stream.id > last;
}

/** Sessions that connected (TLS handshake done); a failure of any other never reached the server. */
const connected = new WeakSet<http2.Http2Session>();
/** The error that ended a session, if any. */
const sessionErrors = new WeakMap<http2.Http2Session, Error>();

/**
 * The failure of the connection a stream was opened on, when that connection never came up
 * (refused, unreachable, TLS handshake failed): nothing reached the server, the call may be
 * retried. Undefined when the session connected or has not failed.
 */
export function connectFailure(stream: http2.ClientHttp2Stream, streamError: unknown): Error | undefined {
  const session = stream.session;
  if (session && connected.has(session)) return undefined;
  const error =
    (session && sessionErrors.get(session)) ??
    (streamError instanceof Error ? ((streamError.cause as Error | undefined) ?? streamError) : undefined);
  return error;
}

/**
 * The receive window granted to each stream (SETTINGS_INITIAL_WINDOW_SIZE): 1 MiB, grpc-java's
 * default. `nodeOptions.settings.initialWindowSize` overrides it.
 */
export const STREAM_WINDOW = 1024 * 1024;

/**
 * The connection's receive window: several streams' worth. Node takes data off the connection
 * window as soon as it arrives (only a stream's window waits for its reader), so this bounds
 * bytes in transit, not memory held.
 */
export const CONNECTION_WINDOW = 8 * 1024 * 1024;

/** Options of {@link Http2Connection}. */
export interface Http2ConnectionOptions {
  /** TLS and socket options for `http2.connect` (ca, cert, key, servername, …). */
  readonly nodeOptions?: SecureClientSessionOptions;
}

/** A lazily opened, self-renewing HTTP/2 session to one origin. */
export class Http2Connection {
  #session: http2.ClientHttp2Session | undefined;
  #streams = 0;
  #closed = false;

  /** Describes the connection to `origin` ("http://host:port" or "https://…"); nothing opens yet. */
  constructor(
    private readonly origin: string,
    private readonly options: Http2ConnectionOptions = {},
  ) {}

  /** A session to open a stream on; throws once {@link close} was called. */
  session(): http2.ClientHttp2Session {
    if (this.#closed) throw Object.assign(new Error("the HTTP/2 connection is closed"), { code: "ERR_HTTP2_INVALID_SESSION" });
    const current = this.#session;
    if (current && !current.closed && !current.destroyed) return current;
    return this.#open();
  }

  /** Counts a stream opened on `session`: the socket stays referenced while streams are open. */
  streamOpened(session: http2.ClientHttp2Session): void {
    if (this.#streams++ === 0 && session === this.#session) session.ref();
  }

  /** Counts a stream that ended. */
  streamClosed(): void {
    if (--this.#streams === 0) this.#session?.unref();
  }

  /** True once {@link close} was called: the client itself ended the connection. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Closes the session; calls in flight are cut, later calls fail. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#session?.destroy();
    this.#session = undefined;
  }

  #open(): http2.ClientHttp2Session {
    const nodeOptions = this.options.nodeOptions;
    const settings = { initialWindowSize: STREAM_WINDOW, ...nodeOptions?.settings };
    const session = http2.connect(this.origin, { ...nodeOptions, settings });
    this.#session = session;
    const forget = (): void => {
      if (this.#session === session) this.#session = undefined;
    };
    session.once("connect", () => {
      connected.add(session);
      // The connection window can only be raised once the session is up (a WINDOW_UPDATE).
      if (!session.destroyed) session.setLocalWindowSize(Math.max(CONNECTION_WINDOW, settings.initialWindowSize ?? 0));
    });
    // Failures reach the calls through their streams; the session itself is just replaced.
    session.on("error", (error: Error) => {
      sessionErrors.set(session, error);
      forget();
    });
    // After GOAWAY the session takes no new streams; in-flight ones finish on it.
    session.on("goaway", (_code: number, lastStreamID: number) => {
      goawayLastStream.set(session, lastStreamID);
      forget();
    });
    session.on("close", forget);
    if (this.#streams === 0) session.unref();
    return session;
  }
}
