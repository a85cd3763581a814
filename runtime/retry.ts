/**
 * Retries of unary calls, after gRPC's retry design (A6): only for methods that are safe to
 * repeat (proto `idempotency_level` IDEMPOTENT or NO_SIDE_EFFECTS, or a call that says so), only
 * on retryable codes (UNAVAILABLE by default), at most 5 attempts, full-jitter exponential
 * backoff, and one deadline covering every attempt.
 */
import type { DescMethod } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import { backoffDelay } from "./backoff.js";
import { Code, invalidArgument } from "./errors.js";

/** How failed calls are retried. Every field is optional; defaults in brackets. */
export interface RetryPolicy {
  /** Attempts in all, the first included [5]; capped at 5. 1 disables retries. */
  maxAttempts?: number;
  /** Upper bound of the first backoff, in ms [100]. */
  initialBackoffMs?: number;
  /** Upper bound of any backoff, in ms [5,000]. */
  maxBackoffMs?: number;
  /** Growth of the backoff bound per attempt [2]. */
  backoffMultiplier?: number;
  /** Codes worth another attempt [UNAVAILABLE]. */
  retryableCodes?: readonly Code[];
}

/** The most attempts any policy may ask for, as gRPC caps them. */
export const MAX_ATTEMPTS = 5;

/** A policy with every field resolved. */
export type ResolvedRetryPolicy = Required<RetryPolicy>;

/** The default policy. */
export const DEFAULT_RETRY_POLICY: ResolvedRetryPolicy = Object.freeze({
  maxAttempts: MAX_ATTEMPTS,
  initialBackoffMs: 100,
  maxBackoffMs: 5_000,
  backoffMultiplier: 2,
  retryableCodes: Object.freeze([Code.Unavailable]),
});

/** Merges a call's policy over a client's over the default; `false` anywhere disables retries. */
export function resolveRetryPolicy(
  client: RetryPolicy | false | undefined,
  call: RetryPolicy | false | undefined,
): ResolvedRetryPolicy | undefined {
  if (client === false || call === false) return undefined;
  const merged = { ...DEFAULT_RETRY_POLICY, ...client, ...call };
  for (const key of ["maxAttempts", "initialBackoffMs", "maxBackoffMs", "backoffMultiplier"] as const) {
    const value = merged[key];
    if (typeof value !== "number" || !Number.isFinite(value) || value < (key === "maxAttempts" ? 1 : 0)) {
      throw invalidArgument(
        `retry.${key} must be a ${key === "maxAttempts" ? "positive" : "non-negative"} number, got ${String(value)}`,
      );
    }
  }
  return { ...merged, maxAttempts: Math.min(Math.floor(merged.maxAttempts), MAX_ATTEMPTS) };
}

/** True when the proto marks a method safe to repeat (IDEMPOTENT or NO_SIDE_EFFECTS). */
export function isIdempotent(method: DescMethod): boolean {
  return (
    method.idempotency === MethodOptions_IdempotencyLevel.IDEMPOTENT ||
    method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS
  );
}

/** The backoff before attempt `attempt + 1` (attempt counts from 1), by the policy's bounds. */
export function retryDelay(policy: ResolvedRetryPolicy, attempt: number): number {
  return backoffDelay(attempt, {
    initialMs: policy.initialBackoffMs,
    maxMs: policy.maxBackoffMs,
    multiplier: policy.backoffMultiplier,
  });
}
