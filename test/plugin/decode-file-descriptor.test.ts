/**
 * decodeFileDescriptor (our own decoder, for speed) gives exactly what protobuf-es's `fromBinary`
 * gives: on every file buf sends for our protos, the golden cases and the synthetic benchmark
 * file, on hand-made edge cases, and on truncated or corrupted bytes (where both must fail or
 * both give the same message). It also must do the work itself on ordinary input: a decoder that
 * silently handed everything to protobuf-es would pass the equality checks and be useless.
 */
import { join } from "node:path";
import { create, toBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { BinaryWriter, WireType } from "@bufbuild/protobuf/wire";
import {
  type FileDescriptorProto,
  Edition,
  ExtensionRangeOptions_VerificationState,
  FeatureSet_FieldPresence,
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
  MethodOptions_IdempotencyLevel,
  SymbolVisibility,
} from "@bufbuild/protobuf/wkt";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ZERO_FACTORIES, ZERO_SHAPES_MATCH } from "../../plugin/startup/descriptor-zero.js";
import { REPO_ROOT } from "../golden/code-generator-request.js";
import {
  GOLDEN_CASES,
  captureRaw,
  captureSynthetic,
  encodedFiles,
  expectDecodesLikeProtobufEs,
  firstDifference,
  type CapturedRequest,
} from "./descriptor-decode-support.js";

type FileInit = MessageInitShape<typeof FileDescriptorProtoSchema>;

/** Encodes a file; `edit` may change the created message first (create() ignores `$unknown` in an init). */
const encode = (init: FileInit, edit?: (file: FileDescriptorProto) => void): Uint8Array => {
  const file = create(FileDescriptorProtoSchema, init);
  edit?.(file);
  return toBinary(FileDescriptorProtoSchema, file);
};

/** A small proto3 file with a service, a message, an enum and source info: the base of the edge cases. */
const BASE: FileInit = {
  name: "edge/base.proto",
  package: "edge",
  dependency: ["google/protobuf/timestamp.proto"],
  syntax: "proto3",
  messageType: [
    {
      name: "Item",
      field: [
        {
          name: "id",
          number: 1,
          label: FieldDescriptorProto_Label.OPTIONAL,
          type: FieldDescriptorProto_Type.STRING,
          jsonName: "id",
        },
        {
          name: "at",
          number: 2,
          label: FieldDescriptorProto_Label.OPTIONAL,
          type: FieldDescriptorProto_Type.MESSAGE,
          typeName: ".google.protobuf.Timestamp",
          jsonName: "at",
          oneofIndex: 0,
          proto3Optional: true,
        },
      ],
      oneofDecl: [{ name: "_at" }],
      nestedType: [{ name: "Inner", nestedType: [{ name: "Deeper" }] }],
      reservedRange: [{ start: 5, end: 7 }],
      reservedName: ["old"],
    },
  ],
  enumType: [{ name: "Kind", value: [{ name: "KIND_UNSPECIFIED", number: 0 }], reservedRange: [{ start: 3, end: 3 }] }],
  service: [
    {
      name: "Items",
      method: [{ name: "Get", inputType: ".edge.Item", outputType: ".edge.Item", serverStreaming: true }],
    },
  ],
  sourceCodeInfo: {
    location: [
      { path: [4, 0], span: [3, 0, 9, 1], leadingComments: " An item.\n", leadingDetachedComments: [" detached\n"] },
      { path: [4, 0, 2, 0], span: [4, 2, 16], trailingComments: " its id\n" },
    ],
  },
};

describe("decodeFileDescriptor on requests buf sends", () => {
  const requests: CapturedRequest[] = [];
  beforeAll(() => {
    requests.push(captureRaw("proto/", join(REPO_ROOT, "proto")));
    for (const name of GOLDEN_CASES)
      requests.push(captureRaw(`golden ${name}`, join(REPO_ROOT, "test", "golden", name, "proto")));
    requests.push(captureSynthetic(0.25));
  }, 120_000);

  it("gives fromBinary's messages for every file, decoding everything but options itself", () => {
    let files = 0;
    let delegated = 0;
    for (const { label, bytes } of requests) {
      for (const file of encodedFiles(bytes)) {
        const stats = expectDecodesLikeProtobufEs(file);
        expect({ label, fallbacks: stats.fallbacks, wholeFile: stats.wholeFile }).toEqual({
          label,
          fallbacks: 0,
          wholeFile: false,
        });
        delegated += stats.delegated;
        files++;
      }
    }
    // Our protos and the golden cases carry file, message, field, service and method options.
    expect(files).toBeGreaterThan(40);
    expect(delegated).toBeGreaterThan(50);
  }, 60_000);
});

describe("decodeFileDescriptor on edge cases", () => {
  it("builds empty messages exactly as protobuf-es's create() does", () => {
    expect(ZERO_SHAPES_MATCH).toBe(true);
    for (const [schema, zero] of ZERO_FACTORIES) expect(firstDifference(zero(), create(schema)), schema.typeName).toBeUndefined();
  });

  it("decodes a proto3 file with messages, oneofs, nesting, ranges, services and source info", () => {
    expect(expectDecodesLikeProtobufEs(encode(BASE))).toEqual({ fallbacks: 0, delegated: 0, wholeFile: false });
  });

  it("keeps proto2 presence: defaults, and fields explicitly set to their default value", () => {
    const stats = expectDecodesLikeProtobufEs(
      encode({
        name: "edge/p2.proto",
        syntax: "proto2",
        messageType: [
          {
            name: "P2",
            field: [
              {
                name: "n",
                number: 0,
                label: FieldDescriptorProto_Label.OPTIONAL,
                type: FieldDescriptorProto_Type.INT32,
                defaultValue: "42",
              },
              { name: "", label: FieldDescriptorProto_Label.REQUIRED, type: FieldDescriptorProto_Type.DOUBLE, defaultValue: "" },
              { name: "b", number: 2, type: FieldDescriptorProto_Type.BOOL, defaultValue: "true", proto3Optional: false },
            ],
          },
        ],
        service: [{ name: "S", method: [{ name: "M", clientStreaming: false, serverStreaming: false }] }],
      }),
    );
    expect(stats).toEqual({ fallbacks: 0, delegated: 0, wholeFile: false });
  });

  it("decodes negative int32 values (ten-byte varints)", () => {
    const stats = expectDecodesLikeProtobufEs(
      encode({
        ...BASE,
        enumType: [
          {
            name: "Neg",
            value: [
              { name: "MIN", number: -2147483648 },
              { name: "MINUS_ONE", number: -1 },
            ],
            reservedRange: [{ start: -5, end: -2 }],
          },
        ],
        messageType: [
          { name: "R", extensionRange: [{ start: -1, end: 2147483647 }], field: [{ name: "x", number: -3, oneofIndex: -1 }] },
        ],
        publicDependency: [-1, 0, 2147483647],
      }),
    );
    expect(stats.fallbacks).toBe(0);
  });

  it("reads repeated int32 fields packed and unpacked, and appends when both appear", () => {
    const w = new BinaryWriter();
    w.tag(1, WireType.LengthDelimited).string("edge/packing.proto");
    // public_dependency (10): unpacked by default in proto2; here packed, then unpacked, then packed again.
    w.tag(10, WireType.LengthDelimited).fork().int32(1).int32(-2).join();
    w.tag(10, WireType.Varint).int32(3);
    w.tag(10, WireType.LengthDelimited).fork().int32(4).join();
    w.tag(11, WireType.Varint).int32(0);
    w.tag(11, WireType.LengthDelimited).fork().join(); // an empty packed run
    const location = new BinaryWriter();
    // path (1) unpacked, then packed; span (2) packed, then unpacked.
    location.tag(1, WireType.Varint).int32(4).tag(1, WireType.Varint).int32(0);
    location.tag(1, WireType.LengthDelimited).fork().int32(2).int32(300).join();
    location.tag(2, WireType.LengthDelimited).fork().int32(1).int32(2).int32(3).join();
    location.tag(2, WireType.Varint).int32(-4);
    w.tag(9, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).bytes(location.finish()).join();
    const stats = expectDecodesLikeProtobufEs(w.finish());
    expect(stats).toEqual({ fallbacks: 0, delegated: 0, wholeFile: false });
  });

  it("decodes fields in any order, repeated scalars last-wins, and empty messages", () => {
    const w = new BinaryWriter();
    w.tag(4, WireType.LengthDelimited)
      .fork()
      .tag(2, WireType.LengthDelimited)
      .fork()
      .tag(3, WireType.Varint)
      .int32(7)
      .tag(1, WireType.LengthDelimited)
      .string("late")
      .join()
      .join();
    w.tag(12, WireType.LengthDelimited).string("proto3");
    w.tag(1, WireType.LengthDelimited).string("first.proto");
    w.tag(1, WireType.LengthDelimited).string("second.proto");
    w.tag(6, WireType.LengthDelimited).bytes(new Uint8Array(0));
    expect(expectDecodesLikeProtobufEs(w.finish())).toEqual({ fallbacks: 0, delegated: 0, wholeFile: false });
  });

  it("decodes UTF-8, invalid UTF-8, a byte-order mark and long strings as protobuf-es's reader does", () => {
    const comment = (bytes: number[]): Uint8Array => {
      const location = new BinaryWriter().tag(3, WireType.LengthDelimited).bytes(new Uint8Array(bytes)).finish();
      return new BinaryWriter()
        .tag(9, WireType.LengthDelimited)
        .fork()
        .tag(1, WireType.LengthDelimited)
        .bytes(location)
        .join()
        .finish();
    };
    const text = (s: string): number[] => [...Buffer.from(s, "utf8")];
    for (const bytes of [
      text(" déjà vu ✓ 😀\n"),
      [0x61, 0xff, 0x62, 0xc3], // invalid and truncated sequences → U+FFFD
      text("\uFEFFwith a byte-order mark"),
      text("x".repeat(5000)),
      text("é".repeat(100)),
      [],
    ]) {
      expect(expectDecodesLikeProtobufEs(comment(bytes)).fallbacks).toBe(0);
    }
  });

  it("hands options to protobuf-es, extensions (custom options) and editions features included", () => {
    const custom = { no: 58101, wireType: WireType.LengthDelimited, data: new Uint8Array([0x05, 0x0a, 0x03, 0x61, 0x62, 0x63]) };
    const stats = expectDecodesLikeProtobufEs(
      encode(
        {
          ...BASE,
          syntax: "editions",
          edition: Edition.EDITION_2023,
          options: { javaPackage: "x.y", features: { fieldPresence: FeatureSet_FieldPresence.IMPLICIT } },
          messageType: [
            {
              name: "M",
              options: { deprecated: true },
              field: [
                {
                  name: "f",
                  number: 1,
                  options: { deprecated: true, features: { fieldPresence: FeatureSet_FieldPresence.EXPLICIT } },
                },
              ],
              oneofDecl: [{ name: "o", options: {} }],
              extensionRange: [
                { start: 100, end: 200, options: { verification: ExtensionRangeOptions_VerificationState.UNVERIFIED } },
              ],
            },
          ],
          enumType: [
            { name: "E", options: { allowAlias: true }, value: [{ name: "E_A", number: 0, options: { deprecated: true } }] },
          ],
          service: [
            {
              name: "S",
              options: {},
              method: [{ name: "M", options: { idempotencyLevel: MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS } }],
            },
          ],
        },
        (file) => {
          // Custom options arrive as unknown fields of the options (no extension registry).
          file.messageType[0]!.options!.$unknown = [custom];
          file.service[0]!.options!.$unknown = [custom, custom];
        },
      ),
    );
    expect(stats).toEqual({ fallbacks: 0, delegated: 9, wholeFile: false });
  });

  it("decodes edition 2024's visibility and option dependencies", () => {
    const stats = expectDecodesLikeProtobufEs(
      encode({
        ...BASE,
        syntax: "editions",
        edition: Edition.EDITION_2024,
        optionDependency: ["edge/opts.proto"],
        messageType: [{ name: "Local", visibility: SymbolVisibility.VISIBILITY_LOCAL }],
        enumType: [{ name: "Exported", visibility: SymbolVisibility.VISIBILITY_EXPORT, value: [{ name: "X", number: 0 }] }],
      }),
    );
    expect(stats).toEqual({ fallbacks: 0, delegated: 0, wholeFile: false });
  });

  it("leaves a message with an unknown field, an unlisted enum value or a repeated singular message to protobuf-es", () => {
    const unknownField = { no: 999, wireType: WireType.Varint, data: new Uint8Array([0x2a]) };
    expect(
      expectDecodesLikeProtobufEs(
        encode({ ...BASE, messageType: [{ name: "U", field: [{ name: "f", number: 1 }] }] }, (file) => {
          file.messageType[0]!.field[0]!.$unknown = [unknownField];
        }),
      ),
    ).toEqual({ fallbacks: 1, delegated: 0, wholeFile: false });
    // A closed enum (proto2 descriptor.proto): protobuf-es keeps 77 as an unknown field.
    expect(
      expectDecodesLikeProtobufEs(
        encode({ ...BASE, messageType: [{ name: "E", field: [{ name: "f", type: 77 as FieldDescriptorProto_Type }] }] }),
      ).fallbacks,
    ).toBe(1);
    expect(expectDecodesLikeProtobufEs(encode({ ...BASE, edition: 12345 as Edition })).fallbacks).toBe(1);
    // Two `options` of one field are merged by protobuf-es.
    const field = new BinaryWriter()
      .tag(8, WireType.LengthDelimited)
      .bytes(new BinaryWriter().tag(3, WireType.Varint).bool(true).finish())
      .tag(8, WireType.LengthDelimited)
      .bytes(new BinaryWriter().tag(5, WireType.Varint).bool(true).finish())
      .finish();
    const message = new BinaryWriter().tag(2, WireType.LengthDelimited).bytes(field).finish();
    expect(
      expectDecodesLikeProtobufEs(new BinaryWriter().tag(4, WireType.LengthDelimited).bytes(message).finish()).fallbacks,
    ).toBe(1);
    // An extension of SourceCodeInfo (it declares a range) and a wrong wire type for a known field.
    const info = new BinaryWriter().tag(536000000, WireType.Varint).int32(1).finish();
    expect(expectDecodesLikeProtobufEs(new BinaryWriter().tag(9, WireType.LengthDelimited).bytes(info).finish()).fallbacks).toBe(
      1,
    );
    // protobuf-es reads a field by its type whatever the wire type says: FieldDescriptorProto.number
    // (a varint) given as length-delimited reads the length as the number.
    const wrongWireType = new BinaryWriter().tag(3, WireType.LengthDelimited).bytes(new Uint8Array(0)).finish();
    expect(
      expectDecodesLikeProtobufEs(new BinaryWriter().tag(7, WireType.LengthDelimited).bytes(wrongWireType).finish()),
    ).toEqual({
      fallbacks: 1,
      delegated: 0,
      wholeFile: false,
    });
    // The file's name given as a varint: protobuf-es reads 5 as a length and fails, and so do we.
    expect(expectDecodesLikeProtobufEs(new BinaryWriter().tag(1, WireType.Varint).int32(5).finish()).wholeFile).toBe(true);
  });

  it("fails, as protobuf-es does, past protobuf-es's nesting limit", () => {
    const nested = (depth: number): FileInit => {
      let message: NonNullable<FileInit["messageType"]>[number] = { name: "M0" };
      for (let i = 1; i < depth; i++) message = { name: `M${i}`, nestedType: [message] };
      return { name: "deep.proto", messageType: [message] };
    };
    // In a request the file is 2 deep (the request is 1), so fromBinary on the file alone gets 99.
    expect(expectDecodesLikeProtobufEs(encode(nested(98)), 99).wholeFile).toBe(false);
    expect(expectDecodesLikeProtobufEs(encode(nested(99)), 99).wholeFile).toBe(true);
  });
});

describe("decodeFileDescriptor on malformed bytes", () => {
  const base = encode(BASE);

  it("fails where protobuf-es fails, at every truncation", () => {
    let failed = 0;
    for (let n = 0; n < base.length; n++) {
      const stats = expectDecodesLikeProtobufEs(base.subarray(0, n));
      if (stats.wholeFile) failed++;
    }
    expect(failed).toBeGreaterThan(base.length / 2);
  });

  it("takes a tag in up to five bytes, as protobuf-es does, and rejects longer ones as it does", () => {
    const name = [0x03, 0x61, 0x62, 0x63]; // "abc"
    // The tag of field 1, length-delimited (0x0a), in a longer encoding than needed.
    expect(expectDecodesLikeProtobufEs(new Uint8Array([0x8a, 0x80, 0x80, 0x80, 0x00, ...name])).wholeFile).toBe(false);
    for (const tag of [
      [0x8a, 0x80, 0x80, 0x80, 0x80, 0x00],
      [0x8a, 0x80, 0x80, 0x80, 0x10],
    ]) {
      expect(expectDecodesLikeProtobufEs(new Uint8Array([...tag, ...name])).wholeFile).toBe(true);
    }
  });

  it("fails where protobuf-es fails, or gives its message, on random corruption (seeded)", () => {
    const edit = fc.record({
      at: fc.nat(),
      byte: fc.integer({ min: 0, max: 255 }),
      kind: fc.constantFrom("set", "insert", "delete"),
    });
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
        const bytes = [...base];
        for (const { at, byte, kind } of edits) {
          const i = at % (bytes.length + 1);
          if (kind === "set" && i < bytes.length) bytes[i] = byte;
          else if (kind === "insert") bytes.splice(i, 0, byte);
          else bytes.splice(i, 1);
        }
        expectDecodesLikeProtobufEs(new Uint8Array(bytes));
      }),
      { seed: 15_001, numRuns: 2_000 },
    );
  });
});
