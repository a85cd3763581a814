/**
 * Delivers the messages of a server stream to one `for await` reader, straight from the HTTP/2
 * stream's `data` events: a message already received is handed out with a resolved promise, and
 * the stream is paused while 64 KiB of received messages wait for the reader (resumed once all
 * but 16 KiB are taken), so HTTP/2 flow control still reaches the server, without stopping and
 * restarting the stream for every chunk of small messages. This replaces an async generator
 * over the stream's own async iterator, which cost two promise hops per message and one per
 * chunk (bench/runtime/README.md).
 */
import type { ClientHttp2Stream } from "node:http2";
import { ConnectError } from "@connectrpc/connect";
import type { FrameParser } from "./grpc-frames.js";

/** What the reader needs from its call. */
export interface MessageSource {
  /** The HTTP/2 stream carrying the response. */
  readonly stream: ClientHttp2Stream;
  /** Splits the response body into messages. */
  readonly parser: FrameParser;
  /** The failure that ended the call (cancelled, deadline passed): nothing more is delivered after it. */
  failure(): ConnectError | undefined;
  /** The error for a stream that failed with `error` (a Node error, a frame error). */
  errorOf(error: unknown): ConnectError;
  /** The body ended: checks the end of the response (throws its error) and settles the call. */
  ended(): void;
  /** The reader left (or failed): cancels the call if it has not settled. */
  left(): void;
}

/** Bytes of received messages waiting for the reader at which the stream is paused. */
const PAUSE_AT = 64 * 1024;
/** ... and resumed. */
const RESUME_AT = 16 * 1024;

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** Node's error for a stream that closed before its end, as its own stream iterator reports it. */
const prematureClose = (): Error => Object.assign(new Error("Premature close"), { code: "ERR_STREAM_PREMATURE_CLOSE" });

/** The messages of `source`, decoded by `decode`; one reader (iterating it twice gives the same iterator). */
export function readMessages<T>(source: MessageSource, decode: (bytes: Uint8Array) => T): AsyncIterableIterator<T> {
  return new MessageReader(source, decode);
}

class MessageReader<T> implements AsyncIterableIterator<T> {
  readonly #queue: Uint8Array[] = [];
  #queuedBytes = 0;
  #started = false;
  #ended = false;
  #done = false;
  #error: ConnectError | undefined;
  #waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: ConnectError) => void } | undefined;

  constructor(
    private readonly source: MessageSource,
    private readonly decode: (bytes: Uint8Array) => T,
  ) {}

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    // Reading starts when the reader asks for the first message, not before.
    if (!this.#started) this.#start();
    try {
      const result = this.#step();
      if (result) return Promise.resolve(result);
    } catch (error) {
      return Promise.reject(ConnectError.from(error));
    }
    return new Promise((resolve, reject) => (this.#waiting = { resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    if (!this.#done) this.#end();
    // A read still waiting ends too, rather than never settling.
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.resolve(DONE);
    return Promise.resolve(DONE);
  }

  readonly #onData = (chunk: Buffer): void => {
    try {
      this.source.parser.push(chunk, (message) => {
        this.#queue.push(message);
        this.#queuedBytes += message.byteLength;
      });
    } catch (error) {
      this.#error ??= this.source.failure() ?? this.source.errorOf(error);
    }
    this.#deliver();
    // Messages wait for the reader: stop taking data (and granting flow-control window) until they are taken.
    if (this.#queuedBytes >= PAUSE_AT && !this.#done) this.source.stream.pause();
  };

  readonly #onEnd = (): void => {
    this.#ended = true;
    this.#deliver();
  };

  readonly #onError = (error: unknown): void => {
    this.#error ??= this.source.failure() ?? this.source.errorOf(error);
    this.#deliver();
  };

  readonly #onClose = (): void => {
    // Closed without its end (reset by the server, cancelled, past its deadline).
    if (!this.#ended) this.#onError(prematureClose());
  };

  #start(): void {
    this.#started = true;
    const stream = this.source.stream;
    stream.on("data", this.#onData);
    stream.on("end", this.#onEnd);
    stream.on("error", this.#onError);
    stream.on("close", this.#onClose);
    // A 'data' listener starts a stream flowing only if nothing paused it before.
    stream.resume();
    // Already gone (cancelled or reset before the first read): its 'close' will not come again.
    if (stream.destroyed) this.#onClose();
  }

  #stop(): void {
    const stream = this.source.stream;
    stream.off("data", this.#onData);
    stream.off("end", this.#onEnd);
    stream.off("error", this.#onError);
    stream.off("close", this.#onClose);
    // Unread data must not hold the stream open (it closes once its body is consumed).
    stream.resume();
  }

  /** The next result if there is one now, undefined to wait; throws the call's error. */
  #step(): IteratorResult<T> | undefined {
    if (this.#done) return DONE;
    const bytes = this.#queue.shift();
    if (bytes !== undefined) {
      this.#queuedBytes -= bytes.byteLength;
      // Cancelled or past its deadline: nothing more comes out, even what was received.
      const failure = this.source.failure();
      if (failure) throw this.#fail(failure);
      if (this.#queuedBytes < RESUME_AT && this.source.stream.isPaused()) this.source.stream.resume();
      try {
        return { done: false, value: this.decode(bytes) };
      } catch (error) {
        throw this.#fail(this.source.failure() ?? this.source.errorOf(error));
      }
    }
    if (this.#error) throw this.#fail(this.#error);
    if (!this.#ended) return undefined;
    try {
      this.source.ended();
    } catch (error) {
      throw this.#fail(ConnectError.from(error));
    }
    this.#done = true;
    this.#stop();
    return DONE;
  }

  /** Hands the next result (or error) to a waiting reader. */
  #deliver(): void {
    const waiting = this.#waiting;
    if (!waiting) return;
    let result: IteratorResult<T> | undefined;
    try {
      result = this.#step();
    } catch (error) {
      this.#waiting = undefined;
      waiting.reject(error as ConnectError);
      return;
    }
    if (!result) return;
    this.#waiting = undefined;
    waiting.resolve(result);
  }

  /** Ends reading: the call is cancelled if still open. Returns `error` for throwing. */
  #fail(error: ConnectError): ConnectError {
    this.#end();
    return error;
  }

  #end(): void {
    this.#done = true;
    if (this.#started) this.#stop();
    this.source.left();
  }
}
