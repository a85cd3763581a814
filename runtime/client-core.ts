/**
 * What every generated client delegates to: one object per client that turns requests into
 * Connect calls with deadlines, cancellation, credentials and typed errors.
 */
import type {
  DescMessage,
  DescMethodServerStreaming,
  DescMethodStreaming,
  DescMethodUnary,
  DescService,
  MessageInitShape,
  MessageShape,
} from "@bufbuild/protobuf";
import type { Transport } from "@connectrpc/connect";
import { checkTimeout, type CallOptions } from "./call-options.js";
import { Connection, isTransport, type ConnectionOptions, type EndpointDefaults } from "./connection.js";
import { Code, VirtufinError } from "./errors.js";
import { checkRequest, type RequestInit, type RequestNormalizer } from "./request-init.js";
import { isIdempotent, resolveRetryPolicy, retryDelay } from "./retry.js";
import { sleep } from "./sleep.js";

/**
 * Where a client sends its calls: connection options (the client opens and owns a
 * connection), a Connect transport, a shared {@link Connection}, or anything holding one (such
 * as an `ApiClient`). A client closes only a connection it opened itself.
 */
export type ClientTarget = ConnectionOptions | Transport | Connection | { readonly connection: Connection };

/** The calls a generated client makes. */
export interface ClientCore {
  /** A unary call. */
  unary<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    request: RequestInit<I> | undefined,
    options?: CallOptions,
  ): Promise<MessageShape<O>>;
  /** A server-streaming call; iterating starts it, breaking out of the loop cancels it. */
  serverStream<I extends DescMessage, O extends DescMessage>(
    method: DescMethodServerStreaming<I, O>,
    request: RequestInit<I> | undefined,
    options?: CallOptions,
  ): AsyncIterable<MessageShape<O>>;
  /**
   * A client-streaming or bidirectional call on requests already turned into init objects (by
   * {@link ClientCore.normalize}); generated code calls it through `clientStream` and
   * `bidiStream` (runtime/streaming-calls.ts), so that clients without such methods, and so
   * browser pages, do not carry them. HTTP/2 transports only.
   */
  stream<I extends DescMessage, O extends DescMessage>(
    method: DescMethodStreaming<I, O>,
    input: AsyncIterable<MessageInitShape<I>>,
    options?: CallOptions,
  ): AsyncIterable<MessageShape<O>>;
  /** Turns a caller's request into a protobuf-es init object, as this client's calls do. */
  normalize<I extends DescMessage>(desc: I, request: RequestInit<I> | undefined): MessageInitShape<I>;
  /** Closes the connection if this client opened it; otherwise only marks the client closed. */
  close(): Promise<void>;
}

/**
 * Creates the core of a generated client for a service. `defaults` come from the service's
 * `google.api.default_host` option. `normalize` turns a caller's request into a protobuf-es init
 * object: `normalizeInit` (the oneof shorthand) for a service whose requests have a oneof at any
 * depth, else the default `checkRequest`, which only checks that it is an object.
 */
export function createClientCore(
  service: DescService,
  target?: ClientTarget,
  defaults?: EndpointDefaults,
  normalize: RequestNormalizer = checkRequest,
): ClientCore {
  const { connection, owned } = resolveTarget(target, defaults);
  return new Core(service, connection, owned, normalize);
}

function resolveTarget(
  target: ClientTarget | undefined,
  defaults?: EndpointDefaults,
): { connection: Connection; owned: boolean } {
  if (target instanceof Connection) return { connection: target, owned: false };
  if (isTransport(target)) return { connection: new Connection(target), owned: true };
  if (target && typeof target === "object" && "connection" in target && target.connection instanceof Connection) {
    return { connection: target.connection, owned: false };
  }
  return { connection: new Connection((target ?? {}) as ConnectionOptions, defaults), owned: true };
}

class Core implements ClientCore {
  #closed = false;

  readonly #service: DescService;
  readonly #connection: Connection;
  readonly #owned: boolean;
  readonly #normalize: RequestNormalizer;

  constructor(service: DescService, connection: Connection, owned: boolean, normalize: RequestNormalizer) {
    this.#service = service;
    this.#connection = connection;
    this.#owned = owned;
    this.#normalize = normalize;
  }

  async unary<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    request: RequestInit<I> | undefined,
    options?: CallOptions,
  ): Promise<MessageShape<O>> {
    const input = this.#normalize(method.input, request);
    const timeoutMs = this.#deadline(options, false);
    const policy =
      (options?.idempotent ?? isIdempotent(method))
        ? options?.retry === undefined
          ? this.#connection.retryPolicy
          : resolveRetryPolicy(this.#connection.retry, options.retry)
        : undefined;
    const pending = this.#transport();
    // No extra hop once the transport exists (it does after the first call).
    const transport = isTransport(pending) ? pending : await pending;
    const scope = this.#connection.begin(options?.signal);
    const deadline = Date.now() + timeoutMs;
    // Telemetry (loaded with the transport): one span for the call, covering every attempt.
    const call = this.#connection.telemetry?.startCall(
      method.parent.typeName,
      method.name,
      this.#connection.baseUrl,
      options?.contextValues,
    );
    const values = call ? call.values : options?.contextValues;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          // One deadline covers every attempt: each gets what is left of it.
          const remaining = deadline - Date.now();
          if (remaining <= 0)
            throw new VirtufinError(
              `${method.name}: deadline of ${timeoutMs} ms exceeded after ${attempt - 1} attempts`,
              Code.DeadlineExceeded,
            );
          const response = await transport.unary(method, scope.signal, remaining, options?.headers, input, values);
          call?.end();
          return response.message;
        } catch (error) {
          const failure = VirtufinError.from(error);
          if (!policy || attempt >= policy.maxAttempts || !policy.retryableCodes.includes(failure.code) || scope.signal.aborted)
            throw failure;
          const delay = retryDelay(policy, attempt);
          if (Date.now() + delay >= deadline) throw failure;
          // Each retry shows on the call's span, with why and after how long.
          call?.retried(attempt + 1, delay, failure.code);
          // Aborted while waiting to retry: the call was cancelled, whatever the last attempt said.
          if (!(await sleep(delay, scope.signal))) throw VirtufinError.from(scope.signal.reason, Code.Canceled);
        }
      }
    } catch (error) {
      call?.end(error);
      throw error;
    } finally {
      scope.end();
    }
  }

  serverStream<I extends DescMessage, O extends DescMessage>(
    method: DescMethodServerStreaming<I, O>,
    request: RequestInit<I> | undefined,
    options?: CallOptions,
  ): AsyncIterable<MessageShape<O>> {
    const input = this.#normalize(method.input, request);
    return this.stream(method, once(input), options);
  }

  normalize<I extends DescMessage>(desc: I, request: RequestInit<I> | undefined): MessageInitShape<I> {
    return this.#normalize(desc, request);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#owned) await this.#connection.close();
  }

  stream<I extends DescMessage, O extends DescMessage>(
    method: DescMethodStreaming<I, O>,
    input: AsyncIterable<MessageInitShape<I>>,
    options?: CallOptions,
  ): AsyncIterable<MessageShape<O>> {
    const timeoutMs = this.#deadline(options, true);
    // The iterator object's methods have their own `this`; the generator needs the core's.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        const transport = await self.#transport();
        const scope = self.#connection.begin(options?.signal, true);
        let iterator: AsyncIterator<MessageShape<O>> | undefined;
        let done = false;
        try {
          const response = await transport.stream(
            method,
            scope.signal,
            timeoutMs,
            options?.headers,
            input,
            options?.contextValues,
          );
          options?.onHeader?.(response.header);
          iterator = response.message[Symbol.asyncIterator]();
          for (;;) {
            const next = await iterator.next();
            if (next.done) break;
            yield next.value;
          }
          done = true;
        } catch (error) {
          done = true;
          throw VirtufinError.from(error);
        } finally {
          if (done) scope.end();
          else {
            // The consumer left its loop early. Abort the HTTP/2 stream, then read on until a
            // read fails: Connect releases the call (its deadline timer included) only then, and
            // messages received before the abort come out first.
            scope.cancel();
            if (iterator) void drain(iterator);
          }
        }
      },
    };
  }

  #deadline(options: CallOptions | undefined, stream: boolean): number {
    checkTimeout("timeoutMs", options?.timeoutMs);
    return options?.timeoutMs ?? (stream ? this.#connection.streamTimeoutMs : this.#connection.timeoutMs);
  }

  #transport(): Transport | Promise<Transport> {
    if (this.#closed) throw new VirtufinError(`the ${this.#service.name} client is closed`, Code.Canceled);
    return this.#connection.transport();
  }
}

/** Reads an aborted stream to its end (bounded: only what was received before the abort is left). */
async function drain(iterator: AsyncIterator<unknown>): Promise<void> {
  try {
    for (let i = 0; i < 100_000; i++) if ((await iterator.next()).done) return;
  } catch {
    // The expected end: the read fails with the abort, and Connect clears the call's timer.
  }
}

async function* once<T>(value: T): AsyncIterable<T> {
  yield value;
}

/**
 * Splits the arguments of a method with a flattened signature into the request and the call
 * options. `fields` are the signature's field names in order; with `objectForm`, a plain object
 * as first argument is the whole request and the second argument the options.
 */
export function flatArgs(
  args: readonly unknown[],
  fields: readonly string[],
  objectForm: boolean,
): [request: Record<string, unknown>, options: CallOptions | undefined] {
  if (objectForm && isRequestObject(args[0])) {
    return [args[0], args[1] as CallOptions | undefined];
  }
  const request: Record<string, unknown> = {};
  fields.forEach((field, i) => {
    if (args[i] !== undefined) request[field] = args[i];
  });
  return [request, args[fields.length] as CallOptions | undefined];
}

/** Maps every element of an async iterable; returning early from the loop ends the source. */
export function mapAsync<T, U>(source: AsyncIterable<T>, fn: (value: T) => U): AsyncIterable<U> {
  return {
    async *[Symbol.asyncIterator]() {
      for await (const value of source) yield fn(value);
    },
  };
}

function isRequestObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  // A whole message counts too: the plugin offers the request form only when the first
  // flattened parameter cannot itself be an object.
  return proto === Object.prototype || proto === null;
}
