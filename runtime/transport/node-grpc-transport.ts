/**
 * A Connect `Transport` speaking gRPC over Node's `node:http2` directly (Node only): the same
 * wire format, headers, status and error handling as `@connectrpc/connect-node`'s gRPC
 * transport (its header, status and trailer helpers are used as they are), but a unary call is
 * one HTTP/2 stream handled by event callbacks instead of a chain of async iterables, and no
 * abort controller is created per call. Interceptors, deadlines, cancellation and errors keep
 * Connect's contract, so clients, retries and interceptors work on it unchanged.
 *
 * Not offered: compression (nothing is announced, so servers send plain messages), HTTP/1.1,
 * and the gRPC-Web / Connect protocols (use `@connectrpc/connect-node` for those).
 */
import { constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from "node:http2";
import {
  create,
  fromBinary,
  isMessage,
  toBinary,
  type DescMessage,
  type DescMethodStreaming,
  type DescMethodUnary,
  type MessageInitShape,
} from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createContextValues,
  type ContextValues,
  type Interceptor,
  type StreamRequest,
  type StreamResponse,
  type Transport,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import { requestHeader, validateResponse, validateTrailer } from "@connectrpc/connect/protocol-grpc";
import { encodeFrame, FrameParser } from "./grpc-frames.js";
import { toHeaders, toNodeHeaders } from "./http2-headers.js";
import { readMessages } from "./message-reader.js";
import { connectFailure, Http2Connection, refusedByGoaway, type Http2ConnectionOptions } from "./http2-session.js";
import { connectErrorFromNode, connectErrorFromRstCode } from "./node-errors.js";

/** Options of {@link createNodeGrpcTransport}. */
export interface NodeGrpcTransportOptions extends Http2ConnectionOptions {
  /** "http://host:port" or "https://host:port", optionally with a path prefix. */
  readonly baseUrl: string;
  /** Connect interceptors, outermost first. */
  readonly interceptors?: readonly Interceptor[];
  /** Largest message accepted from the server (default: no limit, as `@connectrpc/connect-node`). */
  readonly readMaxBytes?: number;
  /** Largest message sent (default: no limit). */
  readonly writeMaxBytes?: number;
}

/** A Connect transport that can also release its HTTP/2 connection. */
export interface NodeGrpcTransport extends Transport {
  /** Closes the HTTP/2 connection; calls in flight fail, later calls fail. */
  close(): void;
}

/** The largest length a gRPC frame can state: no limit beyond the protocol's own. */
const DEFAULT_MAX_BYTES = 0xffffffff;
const NEVER = new AbortController().signal;

type AnyRequest = UnaryRequest | StreamRequest;
type AnyResponse = UnaryResponse | StreamResponse;
type Next = (req: AnyRequest) => Promise<AnyResponse>;

/** Creates the transport; the HTTP/2 connection opens on the first call. */
export function createNodeGrpcTransport(options: NodeGrpcTransportOptions): NodeGrpcTransport {
  const base = new URL(options.baseUrl);
  const prefix = base.pathname.replace(/\/$/, "");
  const connection = new Http2Connection(base.origin, options);
  const readMax = options.readMaxBytes ?? DEFAULT_MAX_BYTES;
  const writeMax = options.writeMaxBytes ?? DEFAULT_MAX_BYTES;
  // Outermost interceptor first: the first one wraps all the others.
  const chain = (next: Next): Next => (options.interceptors ?? []).reduceRight<Next>((n, interceptor) => interceptor(n), next);
  const unaryNext = chain((req) => unaryCall(connection, req as UnaryRequest, readMax, writeMax));
  const streamNext = chain((req) => streamCall(connection, req as StreamRequest, readMax, writeMax));
  const common = (
    method: { parent: { typeName: string }; name: string },
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    header: HeadersInit | undefined,
    contextValues: ContextValues | undefined,
  ) => ({
    url: `${base.origin}${prefix}/${method.parent.typeName}/${method.name}`,
    requestMethod: "POST",
    signal: signal ?? NEVER,
    header: requestHeader(true, timeoutMs, header),
    contextValues: contextValues ?? createContextValues(),
  });
  return {
    async unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: MessageInitShape<I>,
      contextValues?: ContextValues,
    ): Promise<UnaryResponse<I, O>> {
      const message = isMessage(input, method.input) ? input : create(method.input, input);
      const req: UnaryRequest<I, O> = {
        stream: false,
        service: method.parent,
        method,
        message,
        ...common(method, signal, timeoutMs, header, contextValues),
      };
      return (await unaryNext(withDeadline(req, timeoutMs))) as UnaryResponse<I, O>;
    },
    async stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: HeadersInit | undefined,
      input: AsyncIterable<MessageInitShape<I>>,
      contextValues?: ContextValues,
    ): Promise<StreamResponse<I, O>> {
      const message = normalizeAll(method.input, input);
      const req: StreamRequest<I, O> = {
        stream: true,
        service: method.parent,
        method,
        message,
        ...common(method, signal, timeoutMs, header, contextValues),
      };
      return (await streamNext(withDeadline(req, timeoutMs))) as StreamResponse<I, O>;
    },
    close: () => connection.close(),
  };
}

/** The deadline travels with the request (for the call itself), not as a signal per call. */
const DEADLINE = Symbol("deadline");
type WithDeadline = { [DEADLINE]?: number };
const withDeadline = <R extends object>(req: R, timeoutMs: number | undefined): R =>
  timeoutMs === undefined ? req : Object.assign(req, { [DEADLINE]: Date.now() + timeoutMs });
/** What is left of the deadline an interceptor may have kept (it spreads the request: symbols survive). */
const remaining = (req: WithDeadline): number | undefined =>
  req[DEADLINE] === undefined ? undefined : Math.max(0, req[DEADLINE] - Date.now());

async function* normalizeAll<I extends DescMessage>(desc: I, input: AsyncIterable<MessageInitShape<I>>) {
  for await (const m of input) yield isMessage(m, desc) ? m : create(desc, m);
}

function frameOf(desc: DescMessage, message: Parameters<typeof toBinary>[1], writeMax: number): Buffer {
  const bytes = toBinary(desc, message);
  if (bytes.byteLength > writeMax)
    throw new ConnectError(
      `message size ${bytes.byteLength} is larger than configured writeMaxBytes ${writeMax}`,
      Code.ResourceExhausted,
    );
  return encodeFrame(bytes);
}

/** What every call does: open the stream, arm deadline and cancellation, and settle once. */
interface CallState {
  readonly stream: ClientHttp2Stream;
  /** Settles the call: clears the timer and the abort listener, resets the stream on failure. */
  finish(this: void, error?: ConnectError): void;
  /** The failure that ended the call (deadline, abort), if any. */
  readonly failure: () => ConnectError | undefined;
  /**
   * Why the stream ended before any response header came: refused by GOAWAY or the connection
   * dropped (UNAVAILABLE, safe to retry), else the server's RST_STREAM code, else `fallback`.
   */
  readonly beforeHeaders: (fallback: ConnectError) => ConnectError;
}

function openCall(connection: Http2Connection, req: AnyRequest, onFail: (error: ConnectError) => void): CallState {
  const session = connection.session();
  const stream = session.request(toNodeHeaders(req), { endStream: false });
  connection.streamOpened(session);
  let settled = false;
  let failure: ConnectError | undefined;
  let timer: NodeJS.Timeout | undefined;
  const signal = req.signal;
  const onAbort = (): void => finish(ConnectError.from(signal.reason, Code.Canceled));
  const finish = (error?: ConnectError): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
    if (error) {
      failure = error;
      if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
      onFail(error);
    }
  };
  stream.once("close", () => connection.streamClosed());
  const left = remaining(req as WithDeadline);
  if (left !== undefined)
    timer = setTimeout(() => finish(new ConnectError("the operation timed out", Code.DeadlineExceeded)), left);
  // A call without a caller signal gets NEVER, which cannot fire: listening on that one shared
  // signal would only pile up listeners (Node warns past 10 calls in flight).
  if (signal.aborted) onAbort();
  else if (signal !== NEVER) signal.addEventListener("abort", onAbort, { once: true });
  const beforeHeaders = (fallback: ConnectError): ConnectError =>
    refused(stream) ?? dropped(connection, session) ?? connectErrorFromRstCode(stream.rstCode ?? 0) ?? fallback;
  return { stream, finish, failure: () => failure, beforeHeaders };
}

/**
 * UNAVAILABLE when the connection went down under a call that had no response header yet (the
 * server process died or the network dropped: Node then resets the stream with CANCEL). That is
 * what grpc-js reports for a dropped connection, and a retry policy may take it; CANCELED would
 * say the caller cancelled. Not when this client closed the connection itself.
 */
function dropped(connection: Http2Connection, session: ClientHttp2Session): ConnectError | undefined {
  if (connection.closed || !session.destroyed) return undefined;
  return new ConnectError("the connection to the server was lost before the response started", Code.Unavailable);
}

/** The end of a response: status from the headers (trailers-only) or the trailers. */
function checkEnd(header: Headers, foundStatus: boolean, trailer: Headers | undefined): Headers {
  const end = foundStatus ? header : trailer;
  if (!end) throw new ConnectError("protocol error: missing trailer", Code.Internal);
  validateTrailer(end, header);
  return end;
}

function unaryCall(connection: Http2Connection, req: UnaryRequest, readMax: number, writeMax: number): Promise<UnaryResponse> {
  return new Promise((resolve, reject) => {
    let call: CallState;
    try {
      const frame = frameOf(req.method.input, req.message, writeMax);
      call = openCall(connection, req, reject);
      call.stream.end(frame);
    } catch (error) {
      reject(connectErrorFromNode(error));
      return;
    }
    const { stream, finish } = call;
    const parser = new FrameParser(readMax);
    let status = 0;
    let header: Headers | undefined;
    let trailer: Headers | undefined;
    let output: Uint8Array | undefined;
    let extra = false;
    stream.on("response", (h: IncomingHttpHeaders) => {
      status = Number(h[":status"]);
      header = toHeaders(h);
    });
    stream.on("data", (chunk: Buffer) => {
      try {
        parser.push(chunk, (m) => (output === undefined ? (output = m) : (extra = true)));
      } catch (error) {
        finish(ConnectError.from(error));
      }
    });
    stream.on("trailers", (h: IncomingHttpHeaders) => (trailer = toHeaders(h)));
    stream.on("error", (error) => finish(streamError(stream, error, header ? undefined : call)));
    // Settled when the response has ended (trailers read), even if the server stopped reading
    // our request early (an over-size request answered RESOURCE_EXHAUSTED); or when the stream
    // closed without that.
    let completed = false;
    const complete = (): void => {
      if (completed || call.failure()) return;
      completed = true;
      try {
        if (!header) throw call.beforeHeaders(NO_HEADERS());
        const { foundStatus, headerError } = validateResponse(status, header);
        if (headerError) throw headerError;
        if (!foundStatus && !trailer)
          throw (
            connectErrorFromRstCode(stream.rstCode ?? 0) ?? new ConnectError("protocol error: missing trailer", Code.Internal)
          );
        const end = checkEnd(header, foundStatus, trailer);
        if (output === undefined)
          throw new ConnectError("protocol error: missing output message for unary method", Code.Unimplemented);
        if (extra) throw new ConnectError("protocol error: received extra output message for unary method", Code.Unimplemented);
        if (parser.buffered > 0) throw new ConnectError("protocol error: incomplete envelope", Code.Internal);
        const message = fromBinary(req.method.output, output);
        finish();
        // The answer is complete; if our request is still not fully sent (the server answered
        // without reading it all), stop sending. Otherwise the stream closes by itself: an
        // RST_STREAM on every call would cost a frame each way (and was 16 % of the client's CPU).
        if (!stream.closed && !stream.writableFinished) stream.close(constants.NGHTTP2_NO_ERROR);
        resolve({ stream: false, service: req.service, method: req.method, header, message, trailer: end });
      } catch (error) {
        finish(ConnectError.from(error));
      }
    };
    stream.on("end", complete);
    stream.on("close", complete);
  });
}

function streamCall(connection: Http2Connection, req: StreamRequest, readMax: number, writeMax: number): Promise<StreamResponse> {
  return new Promise((resolve, reject) => {
    let settledHead = false;
    let call: CallState;
    try {
      call = openCall(connection, req, (error) => {
        if (!settledHead) reject(error);
      });
    } catch (error) {
      reject(connectErrorFromNode(error));
      return;
    }
    const { stream, finish } = call;
    void pump(req, stream, writeMax).catch((error: unknown) => finish(connectErrorFromNode(error)));
    let trailer: Headers | undefined;
    stream.on("trailers", (h: IncomingHttpHeaders) => (trailer = toHeaders(h)));
    stream.on("error", (error) => finish(streamError(stream, error, settledHead ? undefined : call)));
    const closedEarly = (): void => {
      if (!settledHead && !call.failure()) finish(call.beforeHeaders(NO_HEADERS()));
    };
    stream.once("close", closedEarly);
    stream.once("response", (h) => {
      settledHead = true;
      stream.off("close", closedEarly);
      const header = toHeaders(h);
      const responseTrailer = new Headers();
      let validated: { foundStatus: boolean };
      try {
        const checked = validateResponse(Number(h[":status"]), header);
        if (checked.headerError) throw checked.headerError;
        validated = checked;
      } catch (error) {
        finish(ConnectError.from(error));
        reject(ConnectError.from(error));
        return;
      }
      // Read on demand (the reader pauses the stream while messages wait): HTTP/2 flow control stays in charge.
      const message = readMessages(
        {
          stream,
          parser: new FrameParser(readMax),
          failure: call.failure,
          errorOf: (error) => streamError(stream, error),
          ended() {
            const failure = call.failure();
            if (failure) throw failure;
            if (this.parser.buffered > 0) throw new ConnectError("protocol error: incomplete envelope", Code.Internal);
            if (!validated.foundStatus && !trailer)
              throw (
                connectErrorFromRstCode(stream.rstCode ?? 0) ?? new ConnectError("protocol error: missing trailer", Code.Internal)
              );
            const end = checkEnd(header, validated.foundStatus, trailer);
            end.forEach((value, key) => responseTrailer.append(key, value));
            finish();
            if (!stream.closed && !stream.writableFinished) stream.close(constants.NGHTTP2_NO_ERROR);
          },
          // Left early by the consumer (or failed): release the timer and the abort listener.
          left: () => finish(new ConnectError("the stream was closed by its consumer", Code.Canceled)),
        },
        (bytes) => fromBinary(req.method.output, bytes),
      );
      resolve({ stream: true, service: req.service, method: req.method, header, trailer: responseTrailer, message });
    });
  });
}

const NO_HEADERS = (): ConnectError =>
  new ConnectError("protocol error: the stream ended without response headers", Code.Internal);

/**
 * The error of a failed stream: its RST_STREAM code if the server sent one, else the Node error.
 * With `before` (no response header yet), a dropped connection is UNAVAILABLE first.
 */
function streamError(stream: ClientHttp2Stream, error: unknown, before?: CallState): ConnectError {
  const notConnected = connectFailure(stream, error);
  // As connect-node does: a connection that never came up is UNAVAILABLE, with its cause.
  if (notConnected) return ConnectError.from(notConnected, Code.Unavailable);
  if (before) return before.beforeHeaders(connectErrorFromNode(error));
  return (
    refused(stream) ??
    (stream.rstCode === undefined ? undefined : connectErrorFromRstCode(stream.rstCode)) ??
    connectErrorFromNode(error)
  );
}

/** UNAVAILABLE for a stream the server's GOAWAY refused: it never ran, so a retry is safe. */
const refused = (stream: ClientHttp2Stream): ConnectError | undefined =>
  refusedByGoaway(stream) ? new ConnectError("the server sent GOAWAY before processing the call", Code.Unavailable) : undefined;

/** Writes the request messages, waiting for the stream to drain when its buffer is full. */
async function pump(req: StreamRequest, stream: ClientHttp2Stream, writeMax: number): Promise<void> {
  for await (const message of req.message) {
    if (stream.closed || stream.destroyed) return;
    if (!stream.write(frameOf(req.method.input, message, writeMax))) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          stream.off("drain", done);
          stream.off("close", done);
          resolve();
        };
        stream.on("drain", done);
        stream.on("close", done);
      });
    }
  }
  if (!stream.closed && !stream.destroyed) stream.end();
}
