/**
 * `enableTelemetry()`: lets browser connections report OpenTelemetry spans and metrics (the
 * `telemetry` connection option). In Node telemetry is built in and this does nothing more; in
 * browsers its code, and `@opentelemetry/api`, stay out of the bundle unless a page calls it.
 */
import { registerTelemetry } from "./registry.js";
import { telemetrySupport } from "./support.js";

/** Enables the `telemetry` connection option in browsers (call once, before the first call); harmless in Node. */
export function enableTelemetry(): void {
  registerTelemetry(telemetrySupport);
}
