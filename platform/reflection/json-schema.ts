/**
 * The JSON Schema (draft 2020-12) of a message's proto3 JSON form: what a reflection client's
 * `call` accepts as a request and returns as a response.
 *
 * Fields are named by their JSON names (lowerCamel, as responses use them; requests may also use
 * the proto names, which `additionalProperties: false` here does not admit). Message types go in
 * `$defs`, so recursive messages are fine. The well-known types have their special JSON forms.
 */
import { ScalarType, type DescEnum, type DescField, type DescMessage } from "@bufbuild/protobuf";

/** A JSON Schema document (a plain JSON object). */
export type JsonSchema = { readonly [key: string]: unknown };

const INT32: JsonSchema = { type: "integer" };
// proto3 JSON writes 64-bit integers as strings and reads numbers or strings.
const INT64: JsonSchema = { type: ["string", "integer"], pattern: "^-?[0-9]+$" };
const UINT64: JsonSchema = { type: ["string", "integer"], pattern: "^[0-9]+$", minimum: 0 };
const FLOAT: JsonSchema = { anyOf: [{ type: "number" }, { enum: ["NaN", "Infinity", "-Infinity"] }] };

function scalarSchema(scalar: ScalarType): JsonSchema {
  switch (scalar) {
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return FLOAT;
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return INT64;
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return UINT64;
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return { type: "integer", minimum: 0, maximum: 4_294_967_295 };
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return { ...INT32, minimum: -2_147_483_648, maximum: 2_147_483_647 };
    case ScalarType.BOOL:
      return { type: "boolean" };
    case ScalarType.STRING:
      return { type: "string" };
    case ScalarType.BYTES:
      return { type: "string", contentEncoding: "base64" };
  }
}

function enumSchema(desc: DescEnum): JsonSchema {
  if (desc.typeName === "google.protobuf.NullValue") return { type: "null" };
  // Names are written; names and numbers are read.
  return { type: ["string", "integer"], enum: [...desc.values.map((v) => v.name), ...desc.values.map((v) => v.number)] };
}

/** The special JSON forms of the well-known types, by type name. */
const WELL_KNOWN: Readonly<Record<string, JsonSchema>> = {
  "google.protobuf.Timestamp": { type: "string", format: "date-time" },
  "google.protobuf.Duration": { type: "string", pattern: "^-?[0-9]+(\\.[0-9]{1,9})?s$" },
  "google.protobuf.FieldMask": { type: "string" },
  "google.protobuf.Struct": { type: "object" },
  "google.protobuf.Value": {},
  "google.protobuf.ListValue": { type: "array" },
  "google.protobuf.Empty": { type: "object", additionalProperties: false },
  "google.protobuf.Any": { type: "object", properties: { "@type": { type: "string" } }, required: ["@type"] },
  "google.protobuf.DoubleValue": FLOAT,
  "google.protobuf.FloatValue": FLOAT,
  "google.protobuf.Int64Value": INT64,
  "google.protobuf.UInt64Value": UINT64,
  "google.protobuf.Int32Value": scalarSchema(ScalarType.INT32),
  "google.protobuf.UInt32Value": scalarSchema(ScalarType.UINT32),
  "google.protobuf.BoolValue": { type: "boolean" },
  "google.protobuf.StringValue": { type: "string" },
  "google.protobuf.BytesValue": scalarSchema(ScalarType.BYTES),
};

/** Builds schemas, collecting message types in `$defs`. */
class SchemaBuilder {
  readonly defs: Record<string, JsonSchema> = {};

  message(desc: DescMessage): JsonSchema {
    const special = WELL_KNOWN[desc.typeName];
    if (special) return special;
    if (!(desc.typeName in this.defs)) {
      this.defs[desc.typeName] = {}; // placed first: a recursive reference finds it
      this.defs[desc.typeName] = this.object(desc);
    }
    return { $ref: `#/$defs/${desc.typeName}` };
  }

  object(desc: DescMessage): JsonSchema {
    const properties: Record<string, JsonSchema> = {};
    for (const field of desc.fields) properties[field.jsonName] = this.field(field);
    // At most one member of each oneof: none, or exactly one of them.
    const oneofs = desc.oneofs
      .filter((oneof) => oneof.fields.length > 1)
      .map((oneof) => {
        const names = oneof.fields.map((f) => f.jsonName);
        return {
          oneOf: [
            ...names.map((name) => ({ required: [name] })),
            { not: { anyOf: names.map((name) => ({ required: [name] })) } },
          ],
        };
      });
    return {
      type: "object",
      title: desc.typeName,
      properties,
      additionalProperties: false,
      ...(oneofs.length > 0 ? { allOf: oneofs } : {}),
    };
  }

  field(field: DescField): JsonSchema {
    switch (field.fieldKind) {
      case "scalar":
        return scalarSchema(field.scalar);
      case "enum":
        return enumSchema(field.enum);
      case "message":
        return this.message(field.message);
      case "list": {
        const items =
          field.listKind === "scalar"
            ? scalarSchema(field.scalar)
            : field.listKind === "enum"
              ? enumSchema(field.enum)
              : this.message(field.message);
        return { type: "array", items };
      }
      case "map": {
        const values =
          field.mapKind === "scalar"
            ? scalarSchema(field.scalar)
            : field.mapKind === "enum"
              ? enumSchema(field.enum)
              : this.message(field.message);
        return { type: "object", additionalProperties: values };
      }
    }
  }
}

/** The JSON Schema of a message's proto3 JSON form, self-contained (`$defs` holds the message types it uses). */
export function messageJsonSchema(desc: DescMessage): JsonSchema {
  const builder = new SchemaBuilder();
  const root = WELL_KNOWN[desc.typeName] ?? builder.object(desc);
  // The root's own type may recur below it; its $defs entry then points back to the root.
  if (desc.typeName in builder.defs) builder.defs[desc.typeName] = { $ref: "#" };
  const defs = Object.keys(builder.defs).length > 0 ? { $defs: builder.defs } : {};
  return { $schema: "https://json-schema.org/draft/2020-12/schema", ...root, ...defs };
}
