/**
 * The platform's in-band status check on the generated clients' results: the generated methods
 * of `virtufin.StatusResponse` calls return the status, and a `success=false` in it becomes a
 * typed error here (throwIfFailed). Written to accept `void` too, so it keeps working unchanged
 * where generated methods raise the failure themselves and return nothing.
 */
import { throwIfFailed, type InBandStatus } from "../runtime/errors.js";

/** Throws the typed error of a failed in-band status (`context` starts its message); nothing for a success or `void`. */
export function checked(status: InBandStatus | undefined | void, context: string): void {
  if (status) throwIfFailed(status, context);
}
