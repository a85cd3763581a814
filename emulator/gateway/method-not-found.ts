/**
 * The NOT_FOUND of a method a backend does not have, with a hint: the name it probably meant
 * (`listWorkers` for `ListWorkers`: dynamic calls use proto names), else what it has.
 */
import { Code, ConnectError } from "@connectrpc/connect";

/** How many of a backend's method names the message lists at most. */
const LISTED = 8;

/** The error for `method` missing on `service`, whose methods are `known` (proto names). */
export function methodNotFound(service: string, method: string, known: readonly string[]): ConnectError {
  const meant = known.find((name) => name.toLowerCase() === method.toLowerCase());
  const listed = known.slice(0, LISTED).join(", ") + (known.length > LISTED ? ", ..." : "");
  const hint = meant
    ? ` (did you mean '${meant}'? methods are called by their proto names)`
    : known.length > 0
      ? ` (it has ${listed})`
      : "";
  return new ConnectError(`Method '${method}' not found on service '${service}'${hint}`, Code.NotFound);
}
