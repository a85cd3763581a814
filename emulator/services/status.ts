/**
 * Status helpers: gRPC code names for in-band results and the nested StatusResponse.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { StatusResponseSchema, type StatusResponse } from "@virtufin/sdk/gen/virtufin/gateway_pb";

/** The canonical gRPC name of a code, e.g. Code.NotFound → "NOT_FOUND", 0 → "OK". */
export function codeName(code: Code | 0): string {
  if (code === 0) return "OK";
  const name = Code[code];
  return name === undefined ? "UNKNOWN" : name.replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}

/** A successful StatusResponse (`success=true`, `status="OK"`). */
export function okStatus(): StatusResponse {
  return create(StatusResponseSchema, { success: true, status: "OK", message: "" });
}

/** An INVALID_ARGUMENT error. */
export function invalidArgument(message: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument);
}

/** The longest topic name accepted. */
export const MAX_TOPIC_LENGTH = 256;

/** Throws INVALID_ARGUMENT unless `topic` is a usable topic name (non-blank, ≤ 256 chars, no whitespace). */
export function checkTopic(topic: string): void {
  if (topic.trim() === "") throw invalidArgument("topic must not be empty");
  if (topic.length > MAX_TOPIC_LENGTH) throw invalidArgument(`topic is longer than ${MAX_TOPIC_LENGTH} characters`);
  if (/\s/.test(topic)) throw invalidArgument("topic must not contain whitespace");
}
