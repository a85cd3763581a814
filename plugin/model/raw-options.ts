/**
 * Reads extension options straight from the raw (unknown) fields of descriptor options.
 *
 * protoplugin parses descriptors without an extension registry, so `google.api.default_host`,
 * `google.api.method_signature` and our `virtufin.gateway` arrive as unknown fields. Decoding
 * them here keeps the plugin independent of generated code and works whether or not a user's
 * proto imports google/api/client.proto.
 */
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";

/** Any options message as protobuf-es parses it: unknown fields keep the raw bytes. */
interface WithUnknown {
  readonly $unknown?: readonly { readonly no: number; readonly wireType: WireType; readonly data: Uint8Array }[];
}

/** `google.api.default_host` (string, ServiceOptions field 1049). */
export const DEFAULT_HOST = 1049;
/** `google.api.method_signature` (repeated string, MethodOptions field 1051). */
export const METHOD_SIGNATURE = 1051;
/** `virtufin.gateway` (GatewayOptions, ServiceOptions field 58101). */
export const VIRTUFIN_GATEWAY = 58101;
/** `virtufin.pubsub` (PubsubBinding, ServiceOptions field 58102). */
export const VIRTUFIN_PUBSUB = 58102;
/** `virtufin.pubsub_method` (PubsubMethodBinding, MethodOptions field 58103). */
export const VIRTUFIN_PUBSUB_METHOD = 58103;

/** Whether an extension is set at all (`option (virtufin.pubsub) = {};` counts). */
export function hasExtension(options: WithUnknown | undefined, fieldNo: number): boolean {
  return (options?.$unknown ?? []).some((uf) => uf.no === fieldNo);
}

/** Every value of a string extension, in the order they appear (repeated or not). */
export function readStringExtension(options: WithUnknown | undefined, fieldNo: number): string[] {
  const values: string[] = [];
  for (const uf of options?.$unknown ?? []) {
    if (uf.no === fieldNo && uf.wireType === WireType.LengthDelimited) {
      values.push(new BinaryReader(uf.data).string());
    }
  }
  return values;
}

/**
 * The last value of string field `subFieldNo` inside a message extension (protobuf merges
 * repeated occurrences of a singular message; the last scalar value wins).
 */
export function readMessageExtensionString(
  options: WithUnknown | undefined,
  fieldNo: number,
  subFieldNo: number,
): string | undefined {
  let value: string | undefined;
  for (const uf of options?.$unknown ?? []) {
    if (uf.no !== fieldNo || uf.wireType !== WireType.LengthDelimited) {
      continue;
    }
    value = lastStringField(new BinaryReader(uf.data).bytes(), subFieldNo) ?? value;
  }
  return value;
}

/**
 * The last value of string field `fieldNo` of an encoded message, read without decoding the rest
 * (the last occurrence wins, as in a full decode); undefined when the field is absent.
 */
export function lastStringField(bytes: Uint8Array, fieldNo: number): string | undefined {
  const reader = new BinaryReader(bytes);
  let value: string | undefined;
  while (reader.pos < reader.len) {
    const [no, wireType] = reader.tag();
    if (no === fieldNo && wireType === WireType.LengthDelimited) value = reader.string();
    else reader.skip(wireType, no);
  }
  return value;
}
