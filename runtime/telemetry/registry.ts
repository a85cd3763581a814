/**
 * Where `enableTelemetry()` registers the telemetry code for browser connections; apart from the
 * code itself (support.ts), so that a connection can look here without carrying it.
 */
import type { TelemetrySupport } from "./support.js";

let registered: TelemetrySupport | undefined;

/** Registers the telemetry code (by `enableTelemetry()`). */
export function registerTelemetry(support: TelemetrySupport): void {
  registered = support;
}

/** The registered telemetry code, else `builtin` (Node's), else undefined. */
export function telemetrySupportOr(builtin: TelemetrySupport | undefined): TelemetrySupport | undefined {
  return registered ?? builtin;
}
