/**
 * Describing methods and message fields as the Gateway's `MethodInfo` and `MethodSchema`: what
 * `Gateway.ListMethods` and `Gateway.GetMethodSchema` answer (the emulator's Gateway uses these),
 * and what the ReflectionClient's `listMethods` returns, so both routes describe a method alike.
 */
import { ScalarType, create, type DescField, type DescMethod, type DescService } from "@bufbuild/protobuf";
import type { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";
import {
  FieldSchemaSchema,
  MethodInfoSchema,
  MethodSchemaSchema,
  OneofCaseSchemaSchema,
  type FieldSchema,
  type MethodInfo,
  type MethodSchema,
} from "../../generated/virtufin/gateway_pb.js";
import { Code, VirtufinError } from "../../runtime/errors.js";

/** FeatureSet_FieldPresence.EXPLICIT by value: importing the enum would put descriptor.proto in the browser bundle. */
const EXPLICIT_PRESENCE: FeatureSet_FieldPresence = 1;

/** Describes one method as MethodInfo. */
export function methodInfo(method: DescMethod): MethodInfo {
  return create(MethodInfoSchema, {
    name: method.name,
    fullName: `${method.parent.typeName}.${method.name}`,
    inputType: method.input.typeName,
    outputType: method.output.typeName,
    isClientStreaming: method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
    isServerStreaming: method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
  });
}

/** Every method of some services, in declaration order. */
export function methodInfos(services: readonly DescService[]): MethodInfo[] {
  return services.flatMap((service) => service.methods.map(methodInfo));
}

const scalarName = (scalar: ScalarType) => (ScalarType[scalar] ?? "unknown").toLowerCase();

/** The type words of a field: a scalar name, "message", "enum" or "map", and the type name. */
function fieldType(field: DescField): { type: string; typeName: string } {
  switch (field.fieldKind) {
    case "scalar":
      return { type: scalarName(field.scalar), typeName: "" };
    case "enum":
      return { type: "enum", typeName: field.enum.typeName };
    case "message":
      return { type: "message", typeName: field.message.typeName };
    case "list":
      if (field.listKind === "scalar") return { type: scalarName(field.scalar), typeName: "" };
      if (field.listKind === "enum") return { type: "enum", typeName: field.enum.typeName };
      return { type: "message", typeName: field.message.typeName };
    case "map":
      // For maps the type name is that of the values, when they are messages or enums.
      if (field.mapKind === "message") return { type: "map", typeName: field.message.typeName };
      if (field.mapKind === "enum") return { type: "map", typeName: field.enum.typeName };
      return { type: "map", typeName: "" };
  }
}

/** Describes one field. */
export function fieldSchema(field: DescField): FieldSchema {
  const { type, typeName } = fieldType(field);
  const oneof = field.oneof;
  const first = oneof !== undefined && oneof.fields[0] === field;
  return create(FieldSchemaSchema, {
    name: field.name,
    type,
    typeName,
    isRepeated: field.fieldKind === "list",
    // Presence: proto3 `optional` and proto2 optional (explicit presence), messages, oneof members.
    isOptional:
      field.fieldKind === "message" ||
      oneof !== undefined ||
      (field.fieldKind !== "list" && field.fieldKind !== "map" && field.presence === EXPLICIT_PRESENCE),
    oneofGroup: oneof?.name ?? "",
    oneofCases: first
      ? oneof.fields.map((member) =>
          create(OneofCaseSchemaSchema, { name: member.name, ...fieldType(member), fieldNumber: member.number }),
        )
      : [],
  });
}

/** The MethodSchema of a method's input ("input" or empty) or output ("output") message. */
export function methodSchema(method: DescMethod, type: string): MethodSchema {
  const which = type === "" ? "input" : type.toLowerCase();
  if (which !== "input" && which !== "output")
    throw new VirtufinError(`type must be "input" or "output", not "${type}"`, Code.InvalidArgument);
  const message = which === "input" ? method.input : method.output;
  return create(MethodSchemaSchema, {
    inputTypeName: method.input.typeName,
    outputTypeName: method.output.typeName,
    schemaType: which,
    fields: message.fields.map(fieldSchema),
  });
}
