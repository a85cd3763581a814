/**
 * The wire reading under decodeFileDescriptor: varints, strings and length prefixes of one
 * encoded message, with the checks that let the decoder hand anything unusual back to
 * protobuf-es.
 *
 * It reads values exactly as protobuf-es's BinaryReader does where both succeed (low 32 bits of
 * a varint for int32, the same UTF-8 decoder with U+FFFD substitution), but it is stricter: a
 * length that runs past the enclosing message, a truncated varint, a varint over ten bytes or a
 * bool that is not one byte throw MALFORMED, and the caller then decodes the whole file with
 * protobuf-es instead (which either fails with its own error or gives its own result).
 */
import { getTextEncoding } from "@bufbuild/protobuf/wire";

/** Thrown (one shared instance, no stack to capture per throw) when the bytes are not as expected. */
export class MalformedDescriptor extends Error {}

/** The one instance decoders throw. */
export const MALFORMED = new MalformedDescriptor("malformed descriptor bytes");

/** A cursor over the bytes of an encoded FileDescriptorProto. */
export class DescriptorReader {
  /** Read position. */
  pos = 0;
  /** Where the bytes end. */
  readonly len: number;
  /** How many messages were decoded by protobuf-es because this decoder met something it does not handle. */
  fallbacks = 0;
  /** How many `*Options` messages were decoded by protobuf-es. */
  delegated = 0;

  /** The bytes, as a plain Uint8Array (one element access path for V8 whatever the caller passes). */
  readonly buf: Uint8Array;
  /** The same bytes as a Node Buffer, for decoding ASCII strings. */
  private readonly text: Buffer;

  /** Reads `bytes` from their start. */
  constructor(bytes: Uint8Array) {
    this.buf = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.len = bytes.length;
  }

  /**
   * A field's tag (field number << 3 | wire type). Like protobuf-es, a tag over five bytes or
   * over 32 bits is not accepted (MALFORMED here, an error there).
   */
  tag(): number {
    const first = this.buf[this.pos]!;
    // The common case: one byte (field numbers below 16); past the end `first` is undefined.
    if (first < 0x80) {
      this.pos++;
      return first;
    }
    const start = this.pos;
    const tag = this.varint();
    const read = this.pos - start;
    if (read > 5 || (read === 5 && this.buf[this.pos - 1]! > 0x0f)) throw MALFORMED;
    return tag >>> 0;
  }

  /**
   * A varint's low 32 bits as an unsigned number (lengths). Like protobuf-es, a varint of
   * up to ten bytes is accepted and its high bits dropped; an 11th byte or reading past the end is
   * MALFORMED.
   */
  uint32(): number {
    return this.varint() >>> 0;
  }

  /** An int32 field: the varint's low 32 bits, signed (negative values are ten-byte varints). */
  int32(): number {
    return this.varint() | 0;
  }

  /** A varint's low 32 bits (sign not yet chosen). */
  private varint(): number {
    const buf = this.buf;
    let p = this.pos;
    // Past the end buf[p] is undefined, which reads as 0 here; the bound is checked at the end.
    let b = buf[p++]!;
    let value = b & 0x7f;
    if (b >= 0x80) {
      b = buf[p++]!;
      value |= (b & 0x7f) << 7;
      if (b >= 0x80) {
        b = buf[p++]!;
        value |= (b & 0x7f) << 14;
        if (b >= 0x80) {
          b = buf[p++]!;
          value |= (b & 0x7f) << 21;
          if (b >= 0x80) {
            b = buf[p++]!;
            value |= (b & 0x0f) << 28;
            // Bytes 6 to 10 only carry bits above 32.
            for (let n = 5; b >= 0x80 && n < 10; n++) b = buf[p++]!;
            if (b >= 0x80) throw MALFORMED;
          }
        }
      }
    }
    if (p > this.len) throw MALFORMED;
    this.pos = p;
    return value;
  }

  /** A bool field; only the canonical one-byte 0 or 1 (anything else is left to protobuf-es). */
  bool(): boolean {
    const b = this.buf[this.pos];
    if (b !== 0 && b !== 1) throw MALFORMED;
    this.pos++;
    return b === 1;
  }

  /** Reads a length prefix and returns where the field it announces ends, which must be within `end`. */
  end(end: number): number {
    const len = this.uint32();
    const stop = this.pos + len;
    if (stop > end) throw MALFORMED;
    return stop;
  }

  /** A string field within `end`; invalid UTF-8 becomes U+FFFD, as protobuf-es's (non-strict) reader does. */
  string(end: number): string {
    const stop = this.end(end);
    const start = this.pos;
    const buf = this.buf;
    this.pos = stop;
    for (let i = start; i < stop; i++) {
      if (buf[i]! >= 0x80) return getTextEncoding().decodeUtf8(buf.subarray(start, stop));
    }
    // ASCII, where Latin-1 and UTF-8 agree: Node decodes Latin-1 from a range without the
    // view object a TextDecoder needs, which is most of the cost of a short string.
    return this.text.toString("latin1", start, stop);
  }

  /**
   * The int32 values of a packed field (its length prefix not yet read), appended to `into`; an
   * empty `into` is replaced by an array of exactly the values' length, which matters for memory
   * (source info has two packed fields per location, and a growing array reserves 16 slots).
   */
  packedInt32(into: number[], end: number): number[] {
    const stop = this.end(end);
    if (into.length === 0) {
      // A varint ends at each byte below 0x80.
      let count = 0;
      for (let i = this.pos; i < stop; i++) if (this.buf[i]! < 0x80) count++;
      const values = new Array<number>(count);
      for (let i = 0; i < count; i++) values[i] = this.int32();
      if (this.pos !== stop) throw MALFORMED;
      return values;
    }
    while (this.pos < stop) into.push(this.int32());
    // A varint that straddles the packed field's end.
    if (this.pos !== stop) throw MALFORMED;
    return into;
  }
}
