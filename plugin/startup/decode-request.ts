/**
 * Decodes a CodeGeneratorRequest without decoding a file twice.
 *
 * For every file to generate, protoc and buf send the descriptor twice: in `proto_file` (source
 * retention options stripped) and in `source_file_descriptors` (all options), each with its
 * `source_code_info` — for one large file that is half of the request. protoplugin decodes both
 * and then builds its registry from the `source_file_descriptors` copy wherever one has the same
 * name, so the `proto_file` copy is decoded only to be thrown away (a third of a plugin run on a
 * 2,000-message file). Here a `proto_file` entry is decoded only if no source descriptor of the
 * same name replaces it; otherwise the source descriptor takes its place in `protoFile`, which
 * gives protoplugin exactly the registry it builds from a fully decoded request.
 *
 * The file descriptors themselves (both lists) are decoded by our own decoder,
 * decodeFileDescriptor, which gives the objects protobuf-es's `fromBinary` gives in about a
 * third of the time; the request's other fields are decoded by protobuf-es.
 */
import { fromBinary } from "@bufbuild/protobuf";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { CodeGeneratorRequestSchema, type CodeGeneratorRequest, type FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { lastStringField } from "../model/raw-options.js";
import { decodeFileDescriptor } from "./decode-file-descriptor.js";

/** CodeGeneratorRequest.proto_file (plugin.proto). */
const REQUEST_PROTO_FILE = 15;
/** CodeGeneratorRequest.source_file_descriptors. */
const REQUEST_SOURCE_FILE = 17;
/** FileDescriptorProto.name. */
const FILE_NAME = 1;

/** The `name` of an encoded FileDescriptorProto, read without decoding the rest ("" if absent). */
function encodedFileName(bytes: Uint8Array): string {
  return lastStringField(bytes, FILE_NAME) ?? "";
}

/** Joins byte ranges into one array. */
function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * Decodes `bytes` like `fromBinary(CodeGeneratorRequestSchema, bytes)`, except that a
 * `proto_file` entry with a same-named entry in `source_file_descriptors` is that (decoded)
 * source descriptor instead of a decode of its own. Bytes that are not a request fail with an
 * error saying so (protobuf-es's reason appended).
 */
export function decodeRequest(bytes: Uint8Array): CodeGeneratorRequest {
  try {
    return decode(bytes);
  } catch (e) {
    throw new Error(`cannot decode the CodeGeneratorRequest on stdin: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
}

function decode(bytes: Uint8Array): CodeGeneratorRequest {
  const reader = new BinaryReader(bytes);
  const protoFiles: Uint8Array[] = [];
  const sourceFiles: Uint8Array[] = [];
  const rest: Uint8Array[] = [];
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const [no, wireType] = reader.tag();
    if (no === REQUEST_PROTO_FILE && wireType === WireType.LengthDelimited) {
      protoFiles.push(reader.bytes());
    } else if (no === REQUEST_SOURCE_FILE && wireType === WireType.LengthDelimited) {
      sourceFiles.push(reader.bytes());
    } else {
      reader.skip(wireType, no);
      rest.push(bytes.subarray(start, reader.pos));
    }
  }
  const request = fromBinary(CodeGeneratorRequestSchema, concat(rest));
  if (request.protoFile.length > 0 || request.sourceFileDescriptors.length > 0) {
    // File fields with another wire type than length-delimited, which protobuf-es still reads as
    // files: not what any compiler sends, so the whole request goes to protobuf-es.
    return fromBinary(CodeGeneratorRequestSchema, bytes);
  }
  request.sourceFileDescriptors = sourceFiles.map((encoded) => decodeFileDescriptor(encoded));
  const sources = new Map<string, FileDescriptorProto>();
  for (const source of request.sourceFileDescriptors) {
    // The first of a name, as protoplugin's find() picks it.
    if (!sources.has(source.name)) sources.set(source.name, source);
  }
  request.protoFile = protoFiles.map((encoded) => {
    const source = sources.size > 0 ? sources.get(encodedFileName(encoded)) : undefined;
    return source ?? decodeFileDescriptor(encoded);
  });
  return request;
}
