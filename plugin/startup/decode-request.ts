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
 */
import { fromBinary } from "@bufbuild/protobuf";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { lastStringField } from "../model/raw-options.js";
import {
  CodeGeneratorRequestSchema,
  FileDescriptorProtoSchema,
  type CodeGeneratorRequest,
  type FileDescriptorProto,
} from "@bufbuild/protobuf/wkt";

/** CodeGeneratorRequest.proto_file (descriptor.proto's plugin.proto). */
const REQUEST_PROTO_FILE = 15;
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
 * source descriptor instead of a decode of its own.
 */
export function decodeRequest(bytes: Uint8Array): CodeGeneratorRequest {
  const reader = new BinaryReader(bytes);
  const protoFiles: Uint8Array[] = [];
  const rest: Uint8Array[] = [];
  while (reader.pos < reader.len) {
    const start = reader.pos;
    const [no, wireType] = reader.tag();
    if (no === REQUEST_PROTO_FILE && wireType === WireType.LengthDelimited) {
      protoFiles.push(reader.bytes());
    } else {
      reader.skip(wireType, no);
      rest.push(bytes.subarray(start, reader.pos));
    }
  }
  const request = fromBinary(CodeGeneratorRequestSchema, concat(rest));
  const sources = new Map<string, FileDescriptorProto>();
  for (const source of request.sourceFileDescriptors) {
    // The first of a name, as protoplugin's find() picks it.
    if (!sources.has(source.name)) sources.set(source.name, source);
  }
  request.protoFile = protoFiles.map((encoded) => {
    const source = sources.size > 0 ? sources.get(encodedFileName(encoded)) : undefined;
    return source ?? fromBinary(FileDescriptorProtoSchema, encoded);
  });
  return request;
}
