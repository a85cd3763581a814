/**
 * Shared by the decoder tests: requests exactly as buf sends them, the encoded files inside, and
 * a structural comparison of decoded messages that is stricter than `equals`.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createRegistry, equals, fromBinary } from "@bufbuild/protobuf";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { FileDescriptorProtoSchema, type FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { expect } from "vitest";
import { bufBinary, captureRequest } from "../../bench/generate/requests.js";
import { FULL_SIZE, SYNTHETIC_FILE, renderSyntheticProto, scaleSize } from "../../bench/generate/synthetic-proto.js";
import { decodeFileDescriptor, type DescriptorDecodeStats } from "../../plugin/startup/decode-file-descriptor.js";
import { REPO_ROOT } from "../golden/code-generator-request.js";

/** One request as buf generate sent it. */
export interface CapturedRequest {
  readonly label: string;
  /** The raw CodeGeneratorRequest bytes. */
  readonly bytes: Uint8Array;
}

/** The golden cases (test/golden/<case>/proto): editions, custom options, name clashes, pub/sub bindings. */
export const GOLDEN_CASES = ["features", "name-clash", "options", "pubsub-binding"] as const;

/**
 * Runs `buf generate` on `protoDir` with the benchmark's capture plugin and returns the request
 * buf sent, byte for byte.
 */
export function captureRaw(label: string, protoDir: string): CapturedRequest {
  const work = mkdtempSync(join(tmpdir(), "virtufin-decode-"));
  try {
    captureRequest(bufBinary(REPO_ROOT), protoDir, work);
    return { label, bytes: readFileSync(join(work, "request.binpb")) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The request for the benchmark's synthetic file at `fraction` of its full size. */
export function captureSynthetic(fraction: number): CapturedRequest {
  const dir = mkdtempSync(join(tmpdir(), "virtufin-synthetic-"));
  try {
    const path = join(dir, SYNTHETIC_FILE);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, renderSyntheticProto(scaleSize(FULL_SIZE, fraction)));
    return captureRaw(`synthetic at ${fraction}`, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The encoded FileDescriptorProtos of a request: `proto_file` (15) and `source_file_descriptors` (17). */
export function encodedFiles(request: Uint8Array): Uint8Array[] {
  const reader = new BinaryReader(request);
  const files: Uint8Array[] = [];
  while (reader.pos < reader.len) {
    const [no, wireType] = reader.tag();
    if ((no === 15 || no === 17) && wireType === WireType.LengthDelimited) files.push(reader.bytes());
    else reader.skip(wireType, no);
  }
  return files;
}

/**
 * The first difference between two decoded values, or undefined: objects must have the same
 * prototype (protobuf-es keeps proto2 defaults there) and the same own properties in the same
 * order (presence is "own property"), arrays the same items, bytes the same content. Stricter
 * than `equals`, which ignores unset-versus-default and property order.
 */
export function firstDifference(a: unknown, b: unknown, path = "$"): string | undefined {
  if (typeof a !== typeof b) return `${path}: ${typeof a} vs ${typeof b}`;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") {
    return Object.is(a, b) ? undefined : `${path}: ${String(a)} vs ${String(b)}`;
  }
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    const same = a instanceof Uint8Array && b instanceof Uint8Array && Buffer.from(a).equals(Buffer.from(b));
    return same ? undefined : `${path}: bytes differ`;
  }
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return `${path}: different prototypes`;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.join() !== keysB.join()) return `${path}: own properties [${keysA.join()}] vs [${keysB.join()}]`;
  for (const key of keysA) {
    const diff = firstDifference((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
    if (diff !== undefined) return diff;
  }
  return undefined;
}

/** Unknown fields count too (protobuf-es's `equals` ignores them by default). */
const WITH_UNKNOWN = { registry: createRegistry(), unknown: true };

/** Expects two decoded files to be the same by protobuf-es's `equals` and structurally. */
export function expectSameFile(ours: FileDescriptorProto, reference: FileDescriptorProto): void {
  expect(equals(FileDescriptorProtoSchema, ours, reference, WITH_UNKNOWN)).toBe(true);
  expect(firstDifference(ours, reference)).toBeUndefined();
}

/**
 * Decodes `bytes` with our decoder and with `fromBinary` and expects the same outcome: the same
 * message, or both failing. Returns what our decoder left to protobuf-es.
 */
export function expectDecodesLikeProtobufEs(bytes: Uint8Array, recursionLimit?: number): DescriptorDecodeStats {
  const stats: DescriptorDecodeStats = { fallbacks: -1, delegated: -1, wholeFile: false };
  const read = <T>(decode: () => T): { value: T } | { error: unknown } => {
    try {
      return { value: decode() };
    } catch (error) {
      return { error };
    }
  };
  const ours = read(() => decodeFileDescriptor(bytes, stats));
  const reference = read(() =>
    fromBinary(FileDescriptorProtoSchema, bytes, recursionLimit === undefined ? {} : { recursionLimit }),
  );
  expect("error" in ours, `ours ${"error" in ours ? `failed: ${String(ours.error)}` : "succeeded"}`).toBe("error" in reference);
  if ("value" in ours && "value" in reference) expectSameFile(ours.value, reference.value);
  return stats;
}
