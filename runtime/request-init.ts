/**
 * Request objects as users write them: protobuf-es init objects that also accept the oneof
 * shorthand, a oneof member given directly (`{ codeSource: { content } }`) instead of the
 * protobuf-es form (`{ codeSource: { source: { case: "content", value: content } } }`).
 */
import type { DescField, DescMessage, DescOneof, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import { isMessage } from "@bufbuild/protobuf";
import { invalidArgument } from "./errors.js";

/** Any protobuf-es message shape. */
type Message = { readonly $typeName: string };

/** The init shape of one field value, with the shorthand allowed in nested messages. */
type FieldInit<F> = F extends Message
  ? Init<F> | F
  : F extends readonly (infer E)[]
    ? readonly (E extends Message ? Init<E> | E : E)[]
    : F extends { readonly [key: string]: infer V }
      ? V extends Message
        ? { readonly [key: string]: Init<V> | V }
        : F
      : F;

/** Keys of the oneof groups of a message shape (their values are `{ case, value }` unions). */
type OneofKeys<T> = { [K in keyof T]-?: T[K] extends { case: string | undefined } ? K : never }[keyof T];

/** A oneof union's members as optional properties: `{ url?: string; content?: Uint8Array }`. */
type OneofMembers<U> = UnionToIntersection<
  U extends { case: infer C extends string; value: infer V } ? { readonly [P in C]?: FieldInit<V> } : never
>;

/** The intersection of a union's members. */
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** The protobuf-es form of a oneof in an init object. */
type OneofInit<U> = U extends { case: infer C extends string; value: infer V }
  ? { readonly case: C; readonly value: FieldInit<V> }
  : { readonly case: undefined; readonly value?: undefined };

/** An init object for a message shape, with the oneof shorthand. */
type Init<T> = {
  readonly [K in keyof T as K extends "$typeName" | "$unknown" | OneofKeys<T> ? never : K]?: FieldInit<T[K]>;
} & { readonly [K in OneofKeys<T>]?: OneofInit<T[K]> } & ([OneofKeys<T>] extends [never]
    ? unknown
    : OneofMembers<T[OneofKeys<T>]>);

/**
 * What a generated method accepts as a request: the message itself, a protobuf-es init object,
 * or an init object using the oneof shorthand (at most one member per oneof).
 */
export type RequestInit<Desc extends DescMessage> = (Init<MessageShape<Desc>> & object) | MessageShape<Desc>;

// Named in RequestInit: exported (from the runtime entry) so the API reference documents them.
export type { FieldInit, Message as AnyMessage, Init as MessageInit, OneofInit, OneofKeys, OneofMembers, UnionToIntersection };

/**
 * Rewrites the oneof shorthand of an init object into the protobuf-es form, recursively.
 * Objects that are already messages, or use no shorthand, are returned unchanged (no copy).
 * Giving two members of one oneof, or a member and the oneof itself, is a TypeError naming them.
 */
export function normalizeInit<Desc extends DescMessage>(desc: Desc, init: unknown): MessageInitShape<Desc> {
  const checked = checkRequest(desc, init);
  return isMessage(checked) ? checked : (normalizeObject(desc, checked) as MessageInitShape<Desc>);
}

/** How a core turns what a caller passed into a request: {@link normalizeInit} or {@link checkRequest}. */
export type RequestNormalizer = <Desc extends DescMessage>(desc: Desc, init: unknown) => MessageInitShape<Desc>;

/**
 * Checks that a request is an object (undefined and null mean an empty request) and returns it
 * as it is. Enough for a service whose requests have no oneof at any depth, which is where the
 * shorthand {@link normalizeInit} rewrites would be; the plugin passes normalizeInit to the core of
 * every other service, so that a page whose clients use no oneof does not carry it.
 */
export function checkRequest<Desc extends DescMessage>(desc: Desc, init: unknown): MessageInitShape<Desc> {
  if (init === undefined || init === null) return {} as MessageInitShape<Desc>;
  if (typeof init !== "object" || Array.isArray(init) || init instanceof Uint8Array) {
    throw invalidArgument(`a ${desc.typeName} request must be an object, got ${describe(init)}`);
  }
  return init as MessageInitShape<Desc>;
}

function normalizeObject(desc: DescMessage, init: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  const write = (key: string, value: unknown): void => {
    out ??= { ...init };
    out[key] = value;
  };
  for (const oneof of desc.oneofs) {
    const member = shorthandMember(desc, oneof, init);
    if (member) {
      out ??= { ...init };
      delete out[member.localName];
      out[oneof.localName] = { case: member.localName, value: normalizeValue(member, init[member.localName]) };
    } else {
      const given = init[oneof.localName] as { case?: string; value?: unknown } | undefined;
      const field = given?.case ? oneof.fields.find((f) => f.localName === given.case) : undefined;
      if (field && given) {
        const value = normalizeValue(field, given.value);
        if (value !== given.value) write(oneof.localName, { case: given.case, value });
      }
    }
  }
  for (const field of desc.fields) {
    if (field.oneof) continue;
    const value = init[field.localName];
    if (value === undefined) continue;
    const normalized = normalizeValue(field, value);
    if (normalized !== value) write(field.localName, normalized);
  }
  return out ?? init;
}

/** The one oneof member given in shorthand form, if any. */
function shorthandMember(desc: DescMessage, oneof: DescOneof, init: Record<string, unknown>): DescField | undefined {
  const given = oneof.fields.filter((f) => init[f.localName] !== undefined);
  if (given.length === 0) return undefined;
  const names = given.map((f) => f.localName);
  if (given.length > 1) {
    throw invalidArgument(`${desc.typeName}: only one of ${names.join(", ")} may be set (oneof ${oneof.name})`);
  }
  if (init[oneof.localName] !== undefined) {
    throw invalidArgument(`${desc.typeName}: give either ${oneof.localName} or ${names[0]}, not both (oneof ${oneof.name})`);
  }
  return given[0];
}

function normalizeValue(field: DescField, value: unknown): unknown {
  if (value === undefined || value === null) return value;
  switch (field.fieldKind) {
    case "message":
      return isPlainObject(value) ? normalizeObject(field.message, value) : value;
    case "list":
      if (field.listKind !== "message" || !Array.isArray(value)) return value;
      return mapIfChanged(value, (v) => (isPlainObject(v) ? normalizeObject(field.message, v) : v));
    case "map": {
      if (field.mapKind !== "message" || !isPlainObject(value)) return value;
      let out: Record<string, unknown> | undefined;
      for (const [k, v] of Object.entries(value)) {
        const n = isPlainObject(v) ? normalizeObject(field.message, v) : v;
        if (n !== v) (out ??= { ...value })[k] = n;
      }
      return out ?? value;
    }
    default:
      return value;
  }
}

function mapIfChanged(values: unknown[], fn: (v: unknown) => unknown): unknown[] {
  let out: unknown[] | undefined;
  values.forEach((v, i) => {
    const n = fn(v);
    if (n !== v) (out ??= [...values])[i] = n;
  });
  return out ?? values;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value) || isMessage(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value instanceof Uint8Array) return "bytes";
  return typeof value;
}
