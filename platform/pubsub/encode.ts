/**
 * How publish payloads become bytes: objects as JSON, strings as UTF-8 text, bytes as they are.
 */
import { invalidArgument } from "../../runtime/errors.js";

const encoder = new TextEncoder();

/** A publish payload: bytes, text, or any JSON-serializable value. */
export type EventData = Uint8Array | string | number | boolean | null | readonly unknown[] | { readonly [key: string]: unknown };

/** A payload encoded for the wire, with the content type that describes it. */
export interface EncodedData {
  /** The bytes. */
  readonly bytes: Uint8Array;
  /** "application/octet-stream", "text/plain" or "application/json". */
  readonly contentType: string;
}

/** Encodes a payload; values JSON cannot represent (functions, cycles, bigint) are a TypeError. */
export function encodeData(data: EventData | undefined): EncodedData {
  if (data instanceof Uint8Array) return { bytes: data, contentType: "application/octet-stream" };
  if (typeof data === "string") return { bytes: encoder.encode(data), contentType: "text/plain" };
  if (data === undefined) return { bytes: new Uint8Array(0), contentType: "application/json" };
  let text: string | undefined;
  try {
    text = JSON.stringify(data);
  } catch (error) {
    throw invalidArgument(`event data is not JSON-serializable: ${(error as Error).message}`);
  }
  if (text === undefined) throw invalidArgument(`event data of type ${typeof data} is not JSON-serializable`);
  return { bytes: encoder.encode(text), contentType: "application/json" };
}
