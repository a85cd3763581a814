/**
 * W3C Trace Context (`traceparent`, `tracestate`) written and read by hand: the SDK must carry
 * it without requiring `@opentelemetry/core`, whose propagator would otherwise be the one to use.
 * Only version 00 is written; any version is read the way the spec says a parser must.
 */

/** The parts of a `traceparent` header. */
export interface TraceParent {
  /** 32 lowercase hex digits, not all zero. */
  readonly traceId: string;
  /** 16 lowercase hex digits, not all zero. */
  readonly spanId: string;
  /** The trace flags (bit 0: sampled). */
  readonly traceFlags: number;
}

const PARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = "00000000000000000000000000000000";
const ZERO_SPAN = "0000000000000000";

/** Formats a `traceparent` value (version 00). */
export function formatTraceparent(parent: TraceParent): string {
  return `00-${parent.traceId}-${parent.spanId}-${(parent.traceFlags & 0xff).toString(16).padStart(2, "0")}`;
}

/** Parses a `traceparent` value; undefined for anything the spec says to ignore. */
export function parseTraceparent(value: string | null | undefined): TraceParent | undefined {
  if (!value) return undefined;
  const match = PARENT.exec(value.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match;
  // Version ff is invalid; version 00 has nothing after the flags.
  if (version === "ff" || (version === "00" && rest !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  return { traceId: traceId!, spanId: spanId!, traceFlags: parseInt(flags!, 16) };
}

/** True for a span context worth propagating (a no-op span's is all zeros). */
export function isValidIds(traceId: string, spanId: string): boolean {
  return traceId.length === 32 && traceId !== ZERO_TRACE && spanId.length === 16 && spanId !== ZERO_SPAN;
}
