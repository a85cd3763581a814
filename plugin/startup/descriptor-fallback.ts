/**
 * How decodeFileDescriptor hands a message to protobuf-es: a whole message it does not fully
 * understand (fallback), or an `*Options` message it never decodes itself (delegate).
 */
import { fromBinary, type DescEnum, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { MALFORMED, type DescriptorReader } from "./descriptor-reader.js";

/**
 * protobuf-es's options for decoding, on its own, a message found at `depth` of a request (the
 * request itself is 1): its recursion limit counts from there, so nesting fails at the same
 * depth as in a full decode.
 */
function readOptions(depth: number): { recursionLimit: number } {
  return { recursionLimit: 101 - depth };
}

/**
 * `fromBinary` on a part of the file; if it fails, the part may be malformed in a way a decode
 * of the whole file reads differently (protobuf-es does not stop a message at its parent's end),
 * so the whole file is left to protobuf-es.
 */
function decodePart<Desc extends DescMessage>(schema: Desc, bytes: Uint8Array, depth: number): MessageShape<Desc> {
  try {
    return fromBinary(schema, bytes, readOptions(depth));
  } catch {
    throw MALFORMED;
  }
}

/**
 * Decodes the message at `start`..`end` (`depth` deep) with protobuf-es instead, and moves the
 * reader past it; what a decoder returns when it meets something it does not handle.
 */
export function fallback<Desc extends DescMessage>(
  r: DescriptorReader,
  schema: Desc,
  start: number,
  end: number,
  depth: number,
): MessageShape<Desc> {
  r.pos = end;
  r.fallbacks++;
  return decodePart(schema, r.buf.subarray(start, end), depth);
}

/**
 * Decodes the length-delimited message field at the reader (within `end`, `depth` deep) with
 * protobuf-es: the `*Options` messages, whose extensions (custom options) are kept as unknown
 * fields.
 */
export function delegate<Desc extends DescMessage>(
  r: DescriptorReader,
  schema: Desc,
  end: number,
  depth: number,
): MessageShape<Desc> {
  const stop = r.end(end);
  const start = r.pos;
  r.pos = stop;
  r.delegated++;
  return decodePart(schema, r.buf.subarray(start, stop), depth);
}

/** The numbers a (closed) enum defines; protobuf-es keeps any other value as an unknown field. */
export function enumValues(schema: DescEnum): ReadonlySet<number> {
  return new Set(schema.values.map((v) => v.number));
}
