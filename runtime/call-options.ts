/**
 * Options every generated method takes, and how a call's deadline is chosen.
 */

import type { ContextValues } from "@connectrpc/connect";
import type { RetryPolicy } from "./retry.js";
import { invalidArgument } from "./errors.js";

/** Options of one call. */
export interface CallOptions {
  /**
   * The call's deadline in milliseconds. When omitted, the client's default applies
   * (`timeoutMs` for unary calls, `streamTimeoutMs` for streams).
   */
  timeoutMs?: number;
  /** Aborts the call; it then fails with code `Canceled`. */
  signal?: AbortSignal;
  /** Extra request headers (gRPC metadata) for this call only. */
  headers?: HeadersInit;
  /** Receives the response headers of a stream once the server has sent them. */
  onHeader?: (headers: Headers) => void;
  /**
   * Retries of this call, merged over the client's policy; `false` disables them. Retries apply
   * only to methods safe to repeat (see `idempotent`).
   */
  retry?: RetryPolicy | false;
  /**
   * Whether this call is safe to repeat. By default the proto decides (`idempotency_level`
   * IDEMPOTENT or NO_SIDE_EFFECTS); set it for a call the proto cannot judge, such as a state
   * save guarded by an etag.
   */
  idempotent?: boolean;
  /**
   * Connect context values handed to the transport's interceptors, as in Connect's own call
   * options. Telemetry reads a span's parent from them (`TRACE_CONTEXT_KEY`) and may add to them.
   */
  contextValues?: ContextValues;
}

/** Default deadline of a unary call: 30 s, as the platform's clients use. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** Default deadline of a stream: one day, as the seed's gRPC client uses (STREAM_TIMEOUT). */
export const DEFAULT_STREAM_TIMEOUT_MS = 86_400_000;

/** Validates a deadline given by a user; a bad one is a programming error worth a clear message. */
export function checkTimeout(name: string, value: number | undefined): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw invalidArgument(`${name} must be a positive number of milliseconds, got ${String(value)}`);
  }
}
