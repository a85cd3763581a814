/**
 * TypeScript types of message fields, matching what protoc-gen-es generates.
 *
 * Two views: the shape (what a response holds: `WorkerInfo[]`, `bigint`) and the init form
 * (what a flattened parameter accepts: a nested message as `RequestInit<typeof XSchema>`, so the
 * oneof shorthand works in positional parameters too).
 */
import { ScalarType, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { scalarTypeScriptType } from "@bufbuild/protobuf/codegenv2";
import { isWrapperDesc } from "@bufbuild/protobuf/wkt";
import type { TypeExpr, TypePart } from "./view-model.js";

const STRUCT = "google.protobuf.Struct";
const VALUE = "google.protobuf.Value";

/** `RequestInit<typeof XSchema>`: what a method accepts as a request message. */
export function requestInitType(desc: DescMessage): TypeExpr {
  return [{ kind: "runtime-type", name: "RequestInit" }, "<typeof ", { kind: "schema-type", desc }, ">"];
}

function scalar(type: ScalarType, longAsString: boolean): TypePart {
  const ts = scalarTypeScriptType(type, longAsString);
  return ts === "Uint8Array" ? { kind: "global", name: "Uint8Array" } : ts;
}

/** The type of a singular message value (wrappers unboxed, Struct as JsonObject), shape or init. */
function messageValue(field: DescField, message: DescMessage, init: boolean): TypeExpr {
  if (isWrapperDesc(message) && field.fieldKind === "message" && field.oneof === undefined) {
    const inner = message.fields[0];
    return [scalar(inner.scalar, false)];
  }
  if (message.typeName === STRUCT && field.parent.typeName !== VALUE) {
    return [{ kind: "protobuf-type", name: "JsonObject" }];
  }
  return init ? requestInitType(message) : [{ kind: "shape", desc: message }];
}

function mapKey(key: ScalarType): string {
  switch (key) {
    case ScalarType.INT32:
    case ScalarType.FIXED32:
    case ScalarType.UINT32:
    case ScalarType.SFIXED32:
    case ScalarType.SINT32:
      return "number";
    default:
      return "string";
  }
}

/** Wraps a type in parentheses when it is a union, so `[]` applies to all of it. */
function element(t: TypeExpr): TypeExpr {
  return t.some((p) => typeof p === "string" && p.includes("|")) ? ["(", ...t, ")"] : t;
}

/**
 * The type of a field's value.
 * - init=false: the shape, as a response holds it; a message field is `X | undefined`.
 * - init=true: what a flattened parameter accepts.
 * Returns the type and whether the shape may hold `undefined`.
 */
export function fieldType(field: DescField, init: boolean): { type: TypeExpr; maybeUndefined: boolean } {
  switch (field.fieldKind) {
    case "scalar":
      return { type: [scalar(field.scalar, field.longAsString)], maybeUndefined: field.proto.proto3Optional };
    case "enum":
      return { type: [{ kind: "shape", desc: field.enum }], maybeUndefined: field.proto.proto3Optional };
    case "message":
      return { type: messageValue(field, field.message, init), maybeUndefined: true };
    case "list": {
      let item: TypeExpr;
      switch (field.listKind) {
        case "scalar":
          item = [scalar(field.scalar, field.longAsString)];
          break;
        case "enum":
          item = [{ kind: "shape", desc: field.enum }];
          break;
        case "message":
          item = messageValue(field, field.message, init);
          break;
      }
      return { type: [...element(item), "[]"], maybeUndefined: false };
    }
    case "map": {
      let value: TypeExpr;
      switch (field.mapKind) {
        case "scalar":
          value = [scalar(field.scalar, false)];
          break;
        case "enum":
          value = [{ kind: "shape", desc: field.enum }];
          break;
        case "message":
          value = messageValue(field, field.message, init);
          break;
      }
      return { type: ["{ [key: ", mapKey(field.mapKey), "]: ", ...value, " }"], maybeUndefined: false };
    }
  }
}

/** True when a value of this field is a plain object at run time (a message, Struct or map). */
export function isObjectValued(field: DescField): boolean {
  if (field.fieldKind === "map") {
    return true;
  }
  if (field.fieldKind !== "message") {
    return false;
  }
  return !(isWrapperDesc(field.message) && field.oneof === undefined);
}
