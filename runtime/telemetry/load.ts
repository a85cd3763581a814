/**
 * Loads `@opentelemetry/api` only when a connection asks for telemetry, so that users who never
 * turn it on neither install nor import it.
 */
import { Code, VirtufinError } from "../errors.js";
import type { OtelApi } from "./api-types.js";
import type { TelemetryOption } from "./options.js";
import { Telemetry } from "./telemetry.js";

const byProviders = new WeakMap<object, Promise<Telemetry>>();
let global: Promise<Telemetry> | undefined;

/**
 * The telemetry of a connection (shared by connections given the same option object), or
 * undefined when it is off. Rejects with FAILED_PRECONDITION when `@opentelemetry/api` is missing.
 */
export function loadTelemetry(option: TelemetryOption | undefined): Promise<Telemetry> | undefined {
  if (!option) return undefined;
  if (option === "global") return (global ??= create(option));
  if (typeof option !== "object")
    throw new VirtufinError(
      `telemetry must be providers, "global" or false, got ${JSON.stringify(option)}`,
      Code.InvalidArgument,
    );
  let found = byProviders.get(option);
  if (!found) byProviders.set(option, (found = create(option)));
  return found;
}

async function create(option: Exclude<TelemetryOption, false>): Promise<Telemetry> {
  let api: OtelApi;
  try {
    // Cast once at the boundary: OtelApi is a structural view of the members used, and the API's
    // own types (parameters included) are stricter than what the SDK needs to name.
    api = (await import("@opentelemetry/api")) as unknown as OtelApi;
  } catch (error) {
    throw new VirtufinError(
      `telemetry needs @opentelemetry/api, which could not be loaded (npm install @opentelemetry/api): ${(error as Error).message}`,
      Code.FailedPrecondition,
    );
  }
  if (option === "global") return new Telemetry(api, api.trace.getTracerProvider(), api.metrics.getMeterProvider());
  return new Telemetry(api, option.tracerProvider, option.meterProvider);
}
