/**
 * Reading event payloads, shared by pub/sub events and Gateway events.
 */
import { Code, VirtufinError } from "../runtime/errors.js";

const decoder = new TextDecoder();

/** The payload decoded as UTF-8 text. */
export function dataText(data: Uint8Array): string {
  return decoder.decode(data);
}

/**
 * The payload parsed as JSON (not checked against `T` at run time); invalid JSON is a
 * VirtufinError (INVALID_ARGUMENT) naming the event.
 */
export function dataJson<T>(data: Uint8Array, id: string, topic: string): T {
  try {
    return JSON.parse(dataText(data)) as T;
  } catch (error) {
    throw new VirtufinError(
      `event ${id || "(no id)"} on "${topic}" is not JSON: ${(error as Error).message}`,
      Code.InvalidArgument,
    );
  }
}
