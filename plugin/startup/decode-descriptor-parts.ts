/**
 * decodeFileDescriptor's decoders of the smaller descriptor messages: enums, services and
 * methods, oneofs, ranges, and the source code info (see decode-file-descriptor.ts for the rules
 * they follow: tags they do not know, unlisted enum values and repeated singular messages go to
 * protobuf-es, malformed bytes throw MALFORMED).
 */
import {
  DescriptorProto_ExtensionRangeSchema,
  DescriptorProto_ReservedRangeSchema,
  EnumDescriptorProto_EnumReservedRangeSchema,
  EnumDescriptorProtoSchema,
  EnumOptionsSchema,
  EnumValueDescriptorProtoSchema,
  EnumValueOptionsSchema,
  ExtensionRangeOptionsSchema,
  MethodDescriptorProtoSchema,
  MethodOptionsSchema,
  OneofDescriptorProtoSchema,
  OneofOptionsSchema,
  ServiceDescriptorProtoSchema,
  ServiceOptionsSchema,
  SourceCodeInfo_LocationSchema,
  SourceCodeInfoSchema,
  SymbolVisibilitySchema,
  type DescriptorProto_ExtensionRange,
  type DescriptorProto_ReservedRange,
  type EnumDescriptorProto,
  type EnumDescriptorProto_EnumReservedRange,
  type EnumValueDescriptorProto,
  type MethodDescriptorProto,
  type OneofDescriptorProto,
  type ServiceDescriptorProto,
  type SourceCodeInfo,
  type SourceCodeInfo_Location,
} from "@bufbuild/protobuf/wkt";
import { delegate, enumValues, fallback } from "./descriptor-fallback.js";
import { MALFORMED, type DescriptorReader } from "./descriptor-reader.js";
import type { MessageShape } from "@bufbuild/protobuf";
import {
  zeroEnum,
  zeroEnumReservedRange,
  zeroEnumValue,
  zeroExtensionRange,
  zeroLocation,
  zeroMethod,
  zeroOneof,
  zeroReservedRange,
  zeroService,
  zeroSourceInfo,
} from "./descriptor-zero.js";

const VISIBILITIES = enumValues(SymbolVisibilitySchema);

/** Decodes an EnumDescriptorProto at `r` ending at `end`, `depth` deep in the request. */
export function decodeEnum(r: DescriptorReader, end: number, depth: number): EnumDescriptorProto {
  const start = r.pos;
  const m = zeroEnum();
  while (r.pos < end) {
    switch (r.tag()) {
      case 10: // name = 1
        m.name = r.string(end);
        break;
      case 18: // value = 2
        m.value.push(decodeEnumValue(r, r.end(end), depth + 1));
        break;
      case 26: // options = 3
        if (m.options !== undefined) return fallback(r, EnumDescriptorProtoSchema, start, end, depth);
        m.options = delegate(r, EnumOptionsSchema, end, depth + 1);
        break;
      case 34: // reserved_range = 4
        m.reservedRange.push(decodeEnumReservedRange(r, r.end(end), depth + 1));
        break;
      case 42: // reserved_name = 5
        m.reservedName.push(r.string(end));
        break;
      case 48: {
        // visibility = 6
        const visibility = r.int32();
        if (!VISIBILITIES.has(visibility)) return fallback(r, EnumDescriptorProtoSchema, start, end, depth);
        m.visibility = visibility;
        break;
      }
      default:
        return fallback(r, EnumDescriptorProtoSchema, start, end, depth);
    }
  }
  if (r.pos !== end) throw MALFORMED;
  return m;
}

function decodeEnumValue(r: DescriptorReader, end: number, depth: number): EnumValueDescriptorProto {
  const start = r.pos;
  const m = zeroEnumValue();
  while (r.pos < end) {
    switch (r.tag()) {
      case 10: // name = 1
        m.name = r.string(end);
        break;
      case 16: // number = 2
        m.number = r.int32();
        break;
      case 26: // options = 3
        if (m.options !== undefined) return fallback(r, EnumValueDescriptorProtoSchema, start, end, depth);
        m.options = delegate(r, EnumValueOptionsSchema, end, depth + 1);
        break;
      default:
        return fallback(r, EnumValueDescriptorProtoSchema, start, end, depth);
    }
  }
  if (r.pos !== end) throw MALFORMED;
  return m;
}

/** Decodes a DescriptorProto.ExtensionRange. */
export function decodeExtensionRange(r: DescriptorReader, end: number, depth: number): DescriptorProto_ExtensionRange {
  const start = r.pos;
  const m = zeroExtensionRange();
  while (r.pos < end) {
    switch (r.tag()) {
      case 8: // start = 1
        m.start = r.int32();
        break;
      case 16: // end = 2
        m.end = r.int32();
        break;
      case 26: // options = 3
        if (m.options !== undefined) return fallback(r, DescriptorProto_ExtensionRangeSchema, start, end, depth);
        m.options = delegate(r, ExtensionRangeOptionsSchema, end, depth + 1);
        break;
      default:
        return fallback(r, DescriptorProto_ExtensionRangeSchema, start, end, depth);
    }
  }
  if (r.pos !== end) throw MALFORMED;
  return m;
}

/** Decodes a DescriptorProto.ReservedRange. */
export function decodeReservedRange(r: DescriptorReader, end: number, depth: number): DescriptorProto_ReservedRange {
  return decodeRange(r, end, depth, zeroReservedRange, DescriptorProto_ReservedRangeSchema);
}

/** Decodes an EnumDescriptorProto.EnumReservedRange. */
function decodeEnumReservedRange(r: DescriptorReader, end: number, depth: number): EnumDescriptorProto_EnumReservedRange {
  return decodeRange(r, end, depth, zeroEnumReservedRange, EnumDescriptorProto_EnumReservedRangeSchema);
}

/** The two reserved ranges (of a message, of an enum) share their fields: start = 1, end = 2. */
function decodeRange<
  Desc extends typeof DescriptorProto_ReservedRangeSchema | typeof EnumDescriptorProto_EnumReservedRangeSchema,
>(r: DescriptorReader, end: number, depth: number, zero: () => MessageShape<Desc>, schema: Desc): MessageShape<Desc> {
  const start = r.pos;
  const m = zero();
  while (r.pos < end) {
    switch (r.tag()) {
      case 8: // start = 1
        m.start = r.int32();
        break;
      case 16: // end = 2
        m.end = r.int32();
        break;
      default:
        return fallback(r, schema, start, end, depth);
    }
  }
  if (r.pos !== end) throw MALFORMED;
  return m;
}

/** Decodes a OneofDescriptorProto. */
export function decodeOneof(r: DescriptorReader, end: number, depth: number): OneofDescriptorProto {
  const start = r.pos;
  const m = zeroOneof();
  while (r.pos < end) {
    switch (r.tag()) {
      case 10: // name = 1
        m.name = r.string(end);
        break;
      case 18: // options = 2
        if (m.options !== undefined) return fallback(r, OneofDescriptorProtoSchema, start, end, depth);
        m.options = delegate(r, OneofOptionsSchema, end, depth + 1);
        break;
      default:
        return fallback(r, OneofDescriptorProtoSchema, start, end, depth);
    }
  }
  if (r.pos !== end) throw MALFORMED;
  return m;
}

/** Decodes a ServiceDescriptorProto. */
export function decodeService(r: DescriptorReader, end: number, depth: number): ServiceDescriptorProto {
  const start = r.pos;
  const m = zeroService();
  while (r.pos < end) {
    switch (r.tag()) {
      case 10: // name = 1
        m.name = r.string(end);
        break;
      case 18: // method = 2
        m.method.push(decodeMethod(r, r.end(end), depth + 1));
        break;
      case 26: // options = 3
        if (m.options !== undefined) return fallback(r, ServiceDescriptorProtoSchema, start, end, depth);
        m.options = delegate(r, ServiceOptionsSchema, end, depth + 1);
        break;
      default:
        return fallback(r, ServiceDescriptorProtoSchema, start, end, depth);
    }
  }
  if (r.pos !== end) throw MALFORMED;
  return m;
}

function decodeMethod(r: DescriptorReader, end: number, depth: number): MethodDescriptorProto {
  const start = r.pos;
  const m = zeroMethod();
  while (r.pos < end) {
    switch (r.tag()) {
      case 10: // name = 1
        m.name = r.string(end);
        break;
      case 18: // input_type = 2
        m.inputType = r.string(end);
        break;
      case 26: // output_type = 3
        m.outputType = r.string(end);
        break;
      case 34: // options = 4
        if (m.options !== undefined) return fallback(r, MethodDescriptorProtoSchema, start, end, depth);
        m.options = delegate(r, MethodOptionsSchema, end, depth + 1);
        break;
      case 40: // client_streaming = 5
        m.clientStreaming = r.bool();
        break;
      case 48: // server_streaming = 6
        m.serverStreaming = r.bool();
        break;
      default:
        return fallback(r, MethodDescriptorProtoSchema, start, end, depth);
    }
  }
  if (r.pos !== end) throw MALFORMED;
  return m;
}

/** Decodes a SourceCodeInfo (its extensions, if any, make protobuf-es decode it). */
export function decodeSourceInfo(r: DescriptorReader, end: number, depth: number): SourceCodeInfo {
  const start = r.pos;
  const m = zeroSourceInfo();
  while (r.pos < end) {
    if (r.tag() !== 10) return fallback(r, SourceCodeInfoSchema, start, end, depth); // location = 1 only
    m.location.push(decodeLocation(r, r.end(end), depth + 1));
  }
  if (r.pos !== end) throw MALFORMED;
  return m;
}

function decodeLocation(r: DescriptorReader, end: number, depth: number): SourceCodeInfo_Location {
  const start = r.pos;
  const m = zeroLocation();
  while (r.pos < end) {
    switch (r.tag()) {
      case 8: // path = 1, unpacked
        m.path.push(r.int32());
        break;
      case 10: // path = 1, packed (as protoc writes it)
        m.path = r.packedInt32(m.path, end);
        break;
      case 16: // span = 2, unpacked
        m.span.push(r.int32());
        break;
      case 18: // span = 2, packed
        m.span = r.packedInt32(m.span, end);
        break;
      case 26: // leading_comments = 3
        m.leadingComments = r.string(end);
        break;
      case 34: // trailing_comments = 4
        m.trailingComments = r.string(end);
        break;
      case 50: // leading_detached_comments = 6
        m.leadingDetachedComments.push(r.string(end));
        break;
      default:
        return fallback(r, SourceCodeInfo_LocationSchema, start, end, depth);
    }
  }
  if (r.pos !== end) throw MALFORMED;
  return m;
}
