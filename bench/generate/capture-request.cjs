#!/usr/bin/env node
// A protoc plugin that generates nothing: it saves the CodeGeneratorRequest it reads on stdin to
// the file named by its first argument, so the benchmark can replay exactly what buf generate
// sends. Plain CommonJS on purpose: buf runs it with node directly, without tsx or a build.
"use strict";
const { writeFileSync } = require("node:fs");

const target = process.argv[2];
if (!target) {
  process.stderr.write("capture-request: usage: capture-request.cjs <output file>\n");
  process.exit(1);
}
const chunks = [];
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", () => {
  writeFileSync(target, Buffer.concat(chunks));
  // CodeGeneratorResponse{ supported_features: FEATURE_PROTO3_OPTIONAL | FEATURE_SUPPORTS_EDITIONS
  // (field 2, varint 3), minimum_edition: EDITION_PROTO2 (field 3, 998), maximum_edition:
  // EDITION_2024 (field 4, 1001) }: without them buf refuses inputs that use proto3 `optional`
  // or editions (the decoder tests capture the editions golden case with this plugin).
  process.stdout.write(Buffer.from([0x10, 0x03, 0x18, 0xe6, 0x07, 0x20, 0xe9, 0x07]));
});
