#!/usr/bin/env node
// The floor of any protobuf-es based plugin: read the request from stdin, decode it and build the
// file registry (what @bufbuild/protoplugin does before a plugin's own code runs), then answer
// with an empty CodeGeneratorResponse. Benchmarked next to the real plugins so that the table
// shows how much of a plugin's time is spent before it generates anything.
// Plain ESM JavaScript on purpose: node runs it directly, without tsx or a build.
import { createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import { CodeGeneratorRequestSchema } from "@bufbuild/protobuf/wkt";

const chunks = [];
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", () => {
  const request = fromBinary(CodeGeneratorRequestSchema, Buffer.concat(chunks));
  const registry = createFileRegistry({ $typeName: "google.protobuf.FileDescriptorSet", file: request.protoFile });
  // Touch the result so the work cannot be skipped; an empty response means "no files".
  if (registry.getFile(request.fileToGenerate[0] ?? "") === undefined && request.fileToGenerate.length > 0) {
    process.stderr.write("floor-plugin: a file to generate is missing from the registry\n");
    process.exit(1);
  }
  process.stdout.write(new Uint8Array(0));
});
