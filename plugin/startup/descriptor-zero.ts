/**
 * Empty descriptor messages shaped exactly as protobuf-es's `create()` (and so `fromBinary`) shapes
 * them, for decodeFileDescriptor to fill in.
 *
 * descriptor.proto is proto2: protobuf-es puts the defaults of singular scalar and enum fields on
 * a prototype shared by all messages of a type and sets a field as an own property, which is how
 * `isFieldSet` tells a set field from an unset one. A zero message is therefore an object with
 * that very prototype and, as own properties, `$typeName` and the repeated fields (empty arrays),
 * in the order of the type's members; message fields are absent until set. Each factory below is
 * written out per type so that every message of a type gets one hidden class (monomorphic
 * property access for V8); `ZERO_SHAPES_MATCH` checks them against `create()` at load time, and
 * the decoder is not used if protobuf-es ever shapes these types differently.
 */
import { create, type DescMessage } from "@bufbuild/protobuf";
import {
  DescriptorProto_ExtensionRangeSchema,
  DescriptorProto_ReservedRangeSchema,
  DescriptorProtoSchema,
  EnumDescriptorProto_EnumReservedRangeSchema,
  EnumDescriptorProtoSchema,
  EnumValueDescriptorProtoSchema,
  FieldDescriptorProtoSchema,
  FileDescriptorProtoSchema,
  MethodDescriptorProtoSchema,
  OneofDescriptorProtoSchema,
  ServiceDescriptorProtoSchema,
  SourceCodeInfo_LocationSchema,
  SourceCodeInfoSchema,
  type DescriptorProto,
  type DescriptorProto_ExtensionRange,
  type DescriptorProto_ReservedRange,
  type EnumDescriptorProto,
  type EnumDescriptorProto_EnumReservedRange,
  type EnumValueDescriptorProto,
  type FieldDescriptorProto,
  type FileDescriptorProto,
  type MethodDescriptorProto,
  type OneofDescriptorProto,
  type ServiceDescriptorProto,
  type SourceCodeInfo,
  type SourceCodeInfo_Location,
} from "@bufbuild/protobuf/wkt";

/** A message under construction (`$typeName` is readonly on the finished type). */
export type Draft<T> = { -readonly [K in keyof T]: T[K] };

/** The prototype protobuf-es gives messages of `schema` (it holds the proto2 defaults). */
function prototypeOf(schema: DescMessage): object {
  return Object.getPrototypeOf(create(schema)) as object;
}

const FILE = prototypeOf(FileDescriptorProtoSchema);
const MESSAGE = prototypeOf(DescriptorProtoSchema);
const EXTENSION_RANGE = prototypeOf(DescriptorProto_ExtensionRangeSchema);
const RESERVED_RANGE = prototypeOf(DescriptorProto_ReservedRangeSchema);
const FIELD = prototypeOf(FieldDescriptorProtoSchema);
const ONEOF = prototypeOf(OneofDescriptorProtoSchema);
const ENUM = prototypeOf(EnumDescriptorProtoSchema);
const ENUM_RESERVED_RANGE = prototypeOf(EnumDescriptorProto_EnumReservedRangeSchema);
const ENUM_VALUE = prototypeOf(EnumValueDescriptorProtoSchema);
const SERVICE = prototypeOf(ServiceDescriptorProtoSchema);
const METHOD = prototypeOf(MethodDescriptorProtoSchema);
const SOURCE_INFO = prototypeOf(SourceCodeInfoSchema);
const LOCATION = prototypeOf(SourceCodeInfo_LocationSchema);

function ZeroFile(this: Draft<FileDescriptorProto>): void {
  this.$typeName = "google.protobuf.FileDescriptorProto";
  this.dependency = [];
  this.publicDependency = [];
  this.weakDependency = [];
  this.optionDependency = [];
  this.messageType = [];
  this.enumType = [];
  this.service = [];
  this.extension = [];
}
ZeroFile.prototype = FILE;
/** An empty FileDescriptorProto. */
export const zeroFile = (): Draft<FileDescriptorProto> => new (ZeroFile as unknown as new () => Draft<FileDescriptorProto>)();

function ZeroMessage(this: Draft<DescriptorProto>): void {
  this.$typeName = "google.protobuf.DescriptorProto";
  this.field = [];
  this.extension = [];
  this.nestedType = [];
  this.enumType = [];
  this.extensionRange = [];
  this.oneofDecl = [];
  this.reservedRange = [];
  this.reservedName = [];
}
ZeroMessage.prototype = MESSAGE;
/** An empty DescriptorProto. */
export const zeroMessage = (): Draft<DescriptorProto> => new (ZeroMessage as unknown as new () => Draft<DescriptorProto>)();

function ZeroExtensionRange(this: Draft<DescriptorProto_ExtensionRange>): void {
  this.$typeName = "google.protobuf.DescriptorProto.ExtensionRange";
}
ZeroExtensionRange.prototype = EXTENSION_RANGE;
/** An empty DescriptorProto.ExtensionRange. */
export const zeroExtensionRange = (): Draft<DescriptorProto_ExtensionRange> =>
  new (ZeroExtensionRange as unknown as new () => Draft<DescriptorProto_ExtensionRange>)();

function ZeroReservedRange(this: Draft<DescriptorProto_ReservedRange>): void {
  this.$typeName = "google.protobuf.DescriptorProto.ReservedRange";
}
ZeroReservedRange.prototype = RESERVED_RANGE;
/** An empty DescriptorProto.ReservedRange. */
export const zeroReservedRange = (): Draft<DescriptorProto_ReservedRange> =>
  new (ZeroReservedRange as unknown as new () => Draft<DescriptorProto_ReservedRange>)();

function ZeroField(this: Draft<FieldDescriptorProto>): void {
  this.$typeName = "google.protobuf.FieldDescriptorProto";
}
ZeroField.prototype = FIELD;
/** An empty FieldDescriptorProto. */
export const zeroField = (): Draft<FieldDescriptorProto> => new (ZeroField as unknown as new () => Draft<FieldDescriptorProto>)();

function ZeroOneof(this: Draft<OneofDescriptorProto>): void {
  this.$typeName = "google.protobuf.OneofDescriptorProto";
}
ZeroOneof.prototype = ONEOF;
/** An empty OneofDescriptorProto. */
export const zeroOneof = (): Draft<OneofDescriptorProto> => new (ZeroOneof as unknown as new () => Draft<OneofDescriptorProto>)();

function ZeroEnum(this: Draft<EnumDescriptorProto>): void {
  this.$typeName = "google.protobuf.EnumDescriptorProto";
  this.value = [];
  this.reservedRange = [];
  this.reservedName = [];
}
ZeroEnum.prototype = ENUM;
/** An empty EnumDescriptorProto. */
export const zeroEnum = (): Draft<EnumDescriptorProto> => new (ZeroEnum as unknown as new () => Draft<EnumDescriptorProto>)();

function ZeroEnumReservedRange(this: Draft<EnumDescriptorProto_EnumReservedRange>): void {
  this.$typeName = "google.protobuf.EnumDescriptorProto.EnumReservedRange";
}
ZeroEnumReservedRange.prototype = ENUM_RESERVED_RANGE;
/** An empty EnumDescriptorProto.EnumReservedRange. */
export const zeroEnumReservedRange = (): Draft<EnumDescriptorProto_EnumReservedRange> =>
  new (ZeroEnumReservedRange as unknown as new () => Draft<EnumDescriptorProto_EnumReservedRange>)();

function ZeroEnumValue(this: Draft<EnumValueDescriptorProto>): void {
  this.$typeName = "google.protobuf.EnumValueDescriptorProto";
}
ZeroEnumValue.prototype = ENUM_VALUE;
/** An empty EnumValueDescriptorProto. */
export const zeroEnumValue = (): Draft<EnumValueDescriptorProto> =>
  new (ZeroEnumValue as unknown as new () => Draft<EnumValueDescriptorProto>)();

function ZeroService(this: Draft<ServiceDescriptorProto>): void {
  this.$typeName = "google.protobuf.ServiceDescriptorProto";
  this.method = [];
}
ZeroService.prototype = SERVICE;
/** An empty ServiceDescriptorProto. */
export const zeroService = (): Draft<ServiceDescriptorProto> =>
  new (ZeroService as unknown as new () => Draft<ServiceDescriptorProto>)();

function ZeroMethod(this: Draft<MethodDescriptorProto>): void {
  this.$typeName = "google.protobuf.MethodDescriptorProto";
}
ZeroMethod.prototype = METHOD;
/** An empty MethodDescriptorProto. */
export const zeroMethod = (): Draft<MethodDescriptorProto> =>
  new (ZeroMethod as unknown as new () => Draft<MethodDescriptorProto>)();

function ZeroSourceInfo(this: Draft<SourceCodeInfo>): void {
  this.$typeName = "google.protobuf.SourceCodeInfo";
  this.location = [];
}
ZeroSourceInfo.prototype = SOURCE_INFO;
/** An empty SourceCodeInfo. */
export const zeroSourceInfo = (): Draft<SourceCodeInfo> => new (ZeroSourceInfo as unknown as new () => Draft<SourceCodeInfo>)();

function ZeroLocation(this: Draft<SourceCodeInfo_Location>): void {
  this.$typeName = "google.protobuf.SourceCodeInfo.Location";
  this.path = [];
  this.span = [];
  this.leadingDetachedComments = [];
}
ZeroLocation.prototype = LOCATION;
/** An empty SourceCodeInfo.Location. */
export const zeroLocation = (): Draft<SourceCodeInfo_Location> =>
  new (ZeroLocation as unknown as new () => Draft<SourceCodeInfo_Location>)();

/** Every factory with the schema whose `create()` it must match. */
export const ZERO_FACTORIES: readonly (readonly [DescMessage, () => object])[] = [
  [FileDescriptorProtoSchema, zeroFile],
  [DescriptorProtoSchema, zeroMessage],
  [DescriptorProto_ExtensionRangeSchema, zeroExtensionRange],
  [DescriptorProto_ReservedRangeSchema, zeroReservedRange],
  [FieldDescriptorProtoSchema, zeroField],
  [OneofDescriptorProtoSchema, zeroOneof],
  [EnumDescriptorProtoSchema, zeroEnum],
  [EnumDescriptorProto_EnumReservedRangeSchema, zeroEnumReservedRange],
  [EnumValueDescriptorProtoSchema, zeroEnumValue],
  [ServiceDescriptorProtoSchema, zeroService],
  [MethodDescriptorProtoSchema, zeroMethod],
  [SourceCodeInfoSchema, zeroSourceInfo],
  [SourceCodeInfo_LocationSchema, zeroLocation],
];

/** Whether `a` and `b` have the same prototype and the same own properties, in order, with equal values. */
function sameZero(a: object, b: object): boolean {
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const keys = Object.keys(a);
  const other = Object.keys(b);
  if (keys.length !== other.length || keys.some((k, i) => k !== other[i])) return false;
  return keys.every((k) => {
    const x = (a as Record<string, unknown>)[k];
    const y = (b as Record<string, unknown>)[k];
    return Array.isArray(x) && Array.isArray(y) ? x.length === 0 && y.length === 0 : x === y;
  });
}

/**
 * Whether every factory gives what `create()` gives (checked once, when the module loads; false
 * would mean a protobuf-es whose descriptor messages have another shape, e.g. a new repeated field).
 */
export const ZERO_SHAPES_MATCH: boolean = ZERO_FACTORIES.every(([schema, zero]) => sameZero(zero(), create(schema)));
