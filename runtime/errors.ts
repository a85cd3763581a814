/**
 * One error class for every failure a Virtufin client reports, whatever the path: a gRPC status
 * from a direct call, an in-band failure of `Gateway.Invoke`/`InvokeJson`, or a request-reply
 * timeout. It is a real `ConnectError` (Connect's own helpers keep its code), with narrow
 * subclasses where users branch on the cause.
 */
import { Code, ConnectError } from "@connectrpc/connect";

export { Code };

/** gRPC code names ("NOT_FOUND") by code, as the platform writes them in-band. */
const NAMES: ReadonlyMap<Code, string> = new Map(
  (Object.keys(Code) as (keyof typeof Code)[])
    .filter((key) => Number.isNaN(Number(key)))
    .map((key) => [Code[key], key.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase()]),
);
const CODES: ReadonlyMap<string, Code> = new Map([...NAMES].map(([code, name]) => [name, code]));

/** The gRPC code name of a code, e.g. `codeName(Code.NotFound) === "NOT_FOUND"`. */
export function codeName(code: Code): string {
  return NAMES.get(code) ?? "UNKNOWN";
}

/**
 * The code for a gRPC code name ("NOT_FOUND", "not_found", "NotFound" or a number as text);
 * `Code.Unknown` for anything else. "OK" has no Connect code and also maps to Unknown.
 */
export function codeFromName(name: string): Code {
  const trimmed = name.trim();
  if (/^\d+$/.test(trimmed)) {
    const n = Number(trimmed);
    return NAMES.has(n) ? n : Code.Unknown;
  }
  const normalized = trimmed.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
  return CODES.get(normalized) ?? Code.Unknown;
}

/**
 * A failed Virtufin call. `code` is the gRPC status, `codeName` its name ("NOT_FOUND"),
 * `rawMessage` the server's detail. `instanceof ConnectError` holds too.
 */
export class VirtufinError extends ConnectError {
  /** Our subclasses are told apart by their prototype chain; ConnectError's own check is name-based. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return Function.prototype[Symbol.hasInstance].call(this, value);
  }

  /**
   * A failure with the given code. `name` stays "ConnectError" (Connect recognises its errors by
   * name, and must keep ours as they are), but what people read — the stack, `toString()`,
   * `console.log` — names the class, e.g. "VirtufinError: [not_found] ...".
   */
  constructor(...args: ConstructorParameters<typeof ConnectError>) {
    super(...args);
    if (typeof this.stack === "string") this.stack = this.stack.replace(/^ConnectError\b/, new.target.name);
  }

  /** "VirtufinError: [code] message" (or the subclass's name). */
  override toString(): string {
    return `${this.constructor.name}: ${this.message}`;
  }

  /** The gRPC code name of `code`, e.g. "DEADLINE_EXCEEDED". */
  get codeName(): string {
    return codeName(this.code);
  }

  /**
   * Converts any thrown value into a VirtufinError, keeping an existing one as is and the code,
   * metadata and details of a ConnectError.
   */
  static override from(reason: unknown, code: Code = Code.Unknown): VirtufinError {
    if (reason instanceof VirtufinError) return reason;
    const connect = ConnectError.from(reason, code);
    const error = new VirtufinError(
      connect.rawMessage,
      transportUnavailable?.(connect) ? Code.Unavailable : connect.code,
      connect.metadata,
      undefined,
      connect.cause ?? reason,
    );
    // Keep received details (already decoded or raw) without re-encoding them.
    (error as { details: ConnectError["details"] }).details = connect.details;
    return specialize(error);
  }
}

/** An etag conflict: the value changed since it was read (gRPC ABORTED on a state save). */
export class EtagMismatchError extends VirtufinError {
  /** The service and key whose etag did not match, when known. */
  constructor(
    message: string,
    readonly key?: { readonly service: string; readonly key: string },
    cause?: unknown,
  ) {
    super(message, Code.Aborted, undefined, undefined, cause);
  }
}

/** A request that got no answer in time (a request-reply timeout or an elapsed deadline). */
export class RequestTimeoutError extends VirtufinError {
  /** How long the caller waited, in milliseconds. */
  constructor(
    message: string,
    readonly timeoutMs: number,
  ) {
    super(message, Code.DeadlineExceeded);
  }
}

/**
 * The error for an argument that makes no sense, thrown before anything is sent: the same
 * VirtufinError (INVALID_ARGUMENT) a server would answer with, whatever the argument.
 */
export function invalidArgument(message: string): VirtufinError {
  return new VirtufinError(message, Code.InvalidArgument);
}

/**
 * The error for an in-band failure (`success=false`, `status` a code name, `message` the
 * detail), as `Gateway.InvokeJson` and the `StatusResponse` of State and Pubsub report them.
 * ABORTED is an EtagMismatchError, as it is when it arrives as a gRPC status.
 */
export function errorFromStatus(status: string, message: string, context?: string): VirtufinError {
  const code = codeFromName(status);
  const detail = message || status || "failed";
  return specialize(new VirtufinError(context ? `${context}: ${detail}` : detail, code));
}

/** An in-band result: `StatusResponse`, or the `success`/`status`/`message` of an Invoke response. */
export interface InBandStatus {
  /** False for a failure reported inside a successful RPC. */
  readonly success: boolean;
  /** The gRPC code name of the failure, e.g. "NOT_FOUND". */
  readonly status: string;
  /** The detail. */
  readonly message: string;
}

/**
 * The one way an in-band failure becomes a typed error: throws the VirtufinError of
 * `success=false`, with the code `status` names (ABORTED as EtagMismatchError) and the message
 * `"<context>: <message>"`; nothing for a success or a missing status. Generated methods whose
 * result is a `virtufin.StatusResponse` call it, as the platform client does.
 */
export function throwIfFailed(result: InBandStatus | undefined, context: string): void {
  if (result !== undefined && !result.success) throw errorFromStatus(result.status, result.message, context);
}

/**
 * Recognises transport failures that mean "could not reach the service" although the transport
 * reports them otherwise (see runtime/transport/node-failures.ts). Only Node's transports have
 * such failures, so the Node transport module sets it and browser bundles carry none of it.
 */
let transportUnavailable: ((error: ConnectError) => boolean) | undefined;

/**
 * Sets how transport failures that mean UNAVAILABLE are recognised (called once, by the Node
 * transport module).
 *
 * @internal
 */
export function recognizeUnavailable(test: (error: ConnectError) => boolean): void {
  transportUnavailable = test;
}

/**
 * Makes Node's `util.inspect` (and so `console.log`) show a VirtufinError as its stack, which
 * names the class (not Connect's) and nothing else. Called once by the Node transport module:
 * browsers have no such hook, so their bundles carry none of it.
 *
 * @internal
 */
export function inspectAsStack(custom: symbol): void {
  Object.defineProperty(VirtufinError.prototype, custom, {
    value(this: VirtufinError): string {
      return this.stack ?? this.toString();
    },
    configurable: true,
    writable: true,
  });
}

/** Callers branch on etag conflicts, so an ABORTED call surfaces as its own class. */
function specialize(error: VirtufinError): VirtufinError {
  if (error.code === Code.Aborted && !(error instanceof EtagMismatchError)) {
    return new EtagMismatchError(error.rawMessage, undefined, error.cause);
  }
  return error;
}
