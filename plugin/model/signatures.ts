/**
 * Flattened call signatures from `google.api.method_signature`.
 *
 * Rules (documented in plugin/README.md):
 * - the method takes the fields of its longest signature as positional parameters (the first
 *   declared one wins a tie);
 * - a parameter missing from a shorter signature that is a prefix of the longest is optional;
 * - signatures that are not prefixes of the longest are ignored;
 * - the empty signature "" is the empty prefix (every parameter optional);
 * - a field name that the request message does not have, or a nested path (`a.b`), is a
 *   generation error naming the method, so a typo never silently drops a signature.
 */
import type { DescField, DescMethod } from "@bufbuild/protobuf";

/** The flattened parameters of a method. */
export interface FlatSignature {
  /** The request fields taken positionally, in order. */
  readonly fields: readonly DescField[];
  /** How many leading parameters are required; the rest are optional. */
  readonly required: number;
}

function parse(method: DescMethod, signature: string): DescField[] {
  const names = signature.split(",").map((s) => s.trim());
  if (names.length === 1 && names[0] === "") {
    return [];
  }
  return names.map((name) => {
    const field = method.input.fields.find((f) => f.name === name);
    if (field === undefined) {
      const why = name.includes(".") ? "nested fields are not supported" : `${method.input.typeName} has no such field`;
      throw new Error(`${method.toString()}: google.api.method_signature "${signature}" names field "${name}": ${why}`);
    }
    return field;
  });
}

/**
 * The flattened signature of a method, or undefined when it declares none (or only the empty
 * one). Client- and bidi-streaming methods take a stream of requests and are never flattened.
 */
export function flatSignature(method: DescMethod, signatures: readonly string[]): FlatSignature | undefined {
  if (signatures.length === 0 || method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming") {
    return undefined;
  }
  const parsed = signatures.map((s) => parse(method, s));
  for (const fields of parsed) {
    if (new Set(fields).size !== fields.length) {
      throw new Error(`${method.toString()}: google.api.method_signature names a field twice`);
    }
  }
  let longest = parsed[0]!;
  for (const fields of parsed) {
    if (fields.length > longest.length) {
      longest = fields;
    }
  }
  if (longest.length === 0) {
    return undefined;
  }
  let required = longest.length;
  for (const fields of parsed) {
    const isPrefix = fields.every((f, i) => longest[i] === f);
    if (isPrefix && fields.length < required) {
      required = fields.length;
    }
  }
  return { fields: longest, required };
}
