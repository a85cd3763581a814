/**
 * decodeRequest: the request the plugin sees is the one protoplugin would build its registry
 * from, although the `proto_file` copy of each file to generate is not decoded and the file
 * descriptors are decoded by our own decoder; the plugin's response is the one a full
 * protobuf-es decode gives, and a damaged request is a clear error.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { clone, equals, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  CodeGeneratorRequestSchema,
  CodeGeneratorResponseSchema,
  FileDescriptorProtoSchema,
  type CodeGeneratorRequest,
} from "@bufbuild/protobuf/wkt";
import { beforeAll, describe, expect, it } from "vitest";
import { protocGenVirtufinTs } from "../../plugin/index.js";
import { decodeRequest } from "../../plugin/startup/decode-request.js";
import { buildCodeGeneratorRequest, REPO_ROOT } from "../golden/code-generator-request.js";
import { captureRaw, captureSynthetic, expectSameFile, GOLDEN_CASES, type CapturedRequest } from "./descriptor-decode-support.js";

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

  it("leaves a request whose file fields have another wire type to protobuf-es", () => {
    // source_file_descriptors (17) as a varint: protobuf-es reads the varint as a length and a file.
    const odd = new Uint8Array([...bytes, 0x88, 0x01, 0x00]);
    const decoded = decodeRequest(odd);
    const reference = fromBinary(CodeGeneratorRequestSchema, odd);
    expect(decoded.sourceFileDescriptors.length).toBe(reference.sourceFileDescriptors.length);
    expect(equals(CodeGeneratorRequestSchema, decoded, reference)).toBe(true);
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

describe("decodeRequest on requests buf sends", () => {
  const requests: CapturedRequest[] = [];
  beforeAll(() => {
    for (const name of GOLDEN_CASES)
      requests.push(captureRaw(`golden ${name}`, join(REPO_ROOT, "test", "golden", name, "proto")));
    requests.push(captureSynthetic(0.25));
  }, 120_000);

  it("gives the plugin the response a full protobuf-es decode gives", () => {
    for (const { label, bytes } of requests) {
      const withParameter = (request: CodeGeneratorRequest): CodeGeneratorRequest => {
        request.parameter = PARAMETER;
        return request;
      };
      const decoded = decodeRequest(bytes);
      const full = fromBinary(CodeGeneratorRequestSchema, bytes);
      expect(decoded.sourceFileDescriptors.length, label).toBe(full.sourceFileDescriptors.length);
      decoded.sourceFileDescriptors.forEach((file, i) => expectSameFile(file, full.sourceFileDescriptors[i]!));
      decoded.protoFile.forEach((file, i) => expectSameFile(file, full.protoFile[i]!));
      const ours = protocGenVirtufinTs.run(withParameter(decoded));
      const reference = protocGenVirtufinTs.run(withParameter(full));
      expect(ours.error, label).toBe("");
      expect(ours.file.length, label).toBeGreaterThan(0);
      const same = Buffer.from(toBinary(CodeGeneratorResponseSchema, ours)).equals(
        Buffer.from(toBinary(CodeGeneratorResponseSchema, reference)),
      );
      expect(same, label).toBe(true);
    }
  }, 60_000);

  it("refuses a truncated or corrupt request with an error that says so", () => {
    const bytes = requests.at(-1)!.bytes;
    for (const damaged of [
      bytes.subarray(0, bytes.length - 7),
      bytes.subarray(0, Math.floor(bytes.length / 2)),
      Uint8Array.from([...bytes.subarray(0, 1000), 0xff, 0xff, 0xff]),
    ]) {
      expect(() => decodeRequest(damaged)).toThrow(/^cannot decode the CodeGeneratorRequest on stdin: /);
    }
  });

  it("the bin exits 1 with that error on a truncated request, writing nothing to stdout", () => {
    const bin = join(REPO_ROOT, "packages", "protoc-gen-virtufin-ts", "bin", "protoc-gen-virtufin-ts.js");
    const bytes = requests[0]!.bytes;
    const res = spawnSync(process.execPath, [bin], { input: bytes.subarray(0, bytes.length - 3), timeout: 60_000 });
    expect(res.status).toBe(1);
    expect(res.stdout.length).toBe(0);
    expect(res.stderr.toString()).toMatch(
      /^protoc-gen-virtufin-ts: cannot decode the CodeGeneratorRequest on stdin: premature EOF\n$/,
    );
  }, 60_000);
});
