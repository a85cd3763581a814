/**
 * decodeRequest: the request the plugin sees is the one protoplugin would build its registry
 * from, although the `proto_file` copy of each file to generate is not decoded.
 */
import { join } from "node:path";
import { clone, equals, fromBinary, toBinary } from "@bufbuild/protobuf";
import { CodeGeneratorRequestSchema, CodeGeneratorResponseSchema, FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { protocGenVirtufinTs } from "../../plugin/index.js";
import { decodeRequest } from "../../plugin/startup/decode-request.js";
import { buildCodeGeneratorRequest, REPO_ROOT } from "../golden/code-generator-request.js";

const PARAMETER = "target=ts,import_extension=js,runtime=../runtime/index.js";

describe("decodeRequest", () => {
  const request = buildCodeGeneratorRequest(join(REPO_ROOT, "proto"), PARAMETER);
  const bytes = toBinary(CodeGeneratorRequestSchema, request);
  const full = fromBinary(CodeGeneratorRequestSchema, bytes);

  it("gives the plugin the same response as a full decode", () => {
    expect(request.sourceFileDescriptors.length).toBeGreaterThan(0);
    const ours = toBinary(CodeGeneratorResponseSchema, protocGenVirtufinTs.run(decodeRequest(bytes)));
    const reference = toBinary(CodeGeneratorResponseSchema, protocGenVirtufinTs.run(full));
    expect(Buffer.from(ours).equals(Buffer.from(reference))).toBe(true);
  }, 60_000);

  it("decodes every other field as fromBinary does and reuses the source descriptors", () => {
    const decoded = decodeRequest(bytes);
    expect(decoded.fileToGenerate).toEqual(full.fileToGenerate);
    expect(decoded.parameter).toBe(full.parameter);
    expect(
      equals(CodeGeneratorRequestSchema, clone(CodeGeneratorRequestSchema, { ...decoded, protoFile: [] }), {
        ...full,
        protoFile: [],
      }),
    ).toBe(true);
    expect(decoded.protoFile.map((f) => f.name)).toEqual(full.protoFile.map((f) => f.name));
    const sources = new Set(decoded.sourceFileDescriptors);
    decoded.protoFile.forEach((file, i) => {
      expect(equals(FileDescriptorProtoSchema, file, full.protoFile[i]!)).toBe(true);
      // A file to generate is the very source descriptor object; a dependency is decoded.
      expect(sources.has(file)).toBe(full.sourceFileDescriptors.some((s) => s.name === file.name));
    });
  });

  it("takes the source descriptor where it differs from proto_file, as protoplugin's registry does", () => {
    const differing = clone(CodeGeneratorRequestSchema, request);
    const name = differing.fileToGenerate[0]!;
    const source = differing.sourceFileDescriptors.find((f) => f.name === name)!;
    // A source-retention option only the source copy carries (any difference will do).
    source.package = source.package + ".source_copy";
    const decoded = decodeRequest(toBinary(CodeGeneratorRequestSchema, differing));
    expect(decoded.protoFile.find((f) => f.name === name)!.package).toBe(source.package);
  });

  it("decodes every proto_file entry when the request has no source descriptors (older compilers)", () => {
    const old = clone(CodeGeneratorRequestSchema, request);
    old.sourceFileDescriptors = [];
    const oldBytes = toBinary(CodeGeneratorRequestSchema, old);
    expect(equals(CodeGeneratorRequestSchema, decodeRequest(oldBytes), fromBinary(CodeGeneratorRequestSchema, oldBytes))).toBe(
      true,
    );
  });
});
