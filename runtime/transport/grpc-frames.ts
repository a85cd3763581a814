/**
 * gRPC length-prefixed message framing (one flag byte, a 4-byte big-endian length, the
 * message): encoding a message, and a parser that takes HTTP/2 DATA chunks of any size and
 * hands out whole messages without copying when a chunk holds one.
 */
import { Code, ConnectError } from "@connectrpc/connect";

/** Bytes before each message. */
const PREFIX = 5;

/** Frames `message` (uncompressed): one Buffer, written with a single stream write. */
export function encodeFrame(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(PREFIX + message.byteLength);
  frame[0] = 0;
  frame.writeUInt32BE(message.byteLength, 1);
  frame.set(message, PREFIX);
  return frame;
}

/** Splits a byte stream into gRPC messages. */
export class FrameParser {
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  /** Creates a parser refusing messages over `readMaxBytes`. */
  constructor(private readonly readMaxBytes: number) {}

  /** Bytes received but not yet part of a whole message. */
  get buffered(): number {
    return this.#pendingBytes;
  }

  /** Adds a chunk; calls `onMessage` for every message it completes. Throws on a bad frame. */
  push(chunk: Buffer, onMessage: (message: Uint8Array) => void): void {
    let data = chunk;
    if (this.#pendingBytes > 0) {
      this.#pending.push(chunk);
      this.#pendingBytes += chunk.byteLength;
      if (this.#pendingBytes < PREFIX) return;
      const length = this.#peekLength();
      if (this.#pendingBytes < PREFIX + length) return;
      data = Buffer.concat(this.#pending, this.#pendingBytes);
      this.#pending = [];
      this.#pendingBytes = 0;
    }
    let offset = 0;
    while (data.byteLength - offset >= PREFIX) {
      const flags = data[offset]!;
      const length = data.readUInt32BE(offset + 1);
      this.#check(flags, length);
      if (data.byteLength - offset - PREFIX < length) break;
      onMessage(data.subarray(offset + PREFIX, offset + PREFIX + length));
      offset += PREFIX + length;
    }
    if (offset < data.byteLength) {
      const rest = data.subarray(offset);
      this.#pending.push(rest);
      this.#pendingBytes = rest.byteLength;
      if (rest.byteLength >= PREFIX) this.#check(rest[0]!, rest.readUInt32BE(1));
    }
  }

  #peekLength(): number {
    const head = this.#pending[0]!.byteLength >= PREFIX ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes);
    this.#check(head[0]!, head.readUInt32BE(1));
    return head.readUInt32BE(1);
  }

  #check(flags: number, length: number): void {
    // No compression is offered (no grpc-accept-encoding), so a compressed message is a protocol error.
    if (flags !== 0)
      throw new ConnectError(
        `protocol error: received a message with flags 0x${flags.toString(16)}, none was negotiated`,
        Code.Internal,
      );
    if (length > this.readMaxBytes) {
      throw new ConnectError(
        `message size ${length} is larger than configured readMaxBytes ${this.readMaxBytes}`,
        Code.ResourceExhausted,
      );
    }
  }
}
