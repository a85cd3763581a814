/**
 * One question to a server's gRPC reflection service, in v1 or v1alpha.
 *
 * `ServerReflectionInfo` is a bidirectional stream, which browsers (fetch) and HTTP/1.1 servers
 * cannot carry. Every question has exactly one answer, though, so each is asked on a call of its
 * own, framed as a server-streaming call: one request message, then end of input. On the wire
 * that is the same as a bidi stream that sends one message, so servers need no change, and it
 * works over gRPC, gRPC-Web and Connect, in Node and in browsers alike.
 */
import {
  create,
  fromBinary,
  toBinary,
  type DescMethod,
  type DescMethodServerStreaming,
  type DescService,
} from "@bufbuild/protobuf";
import type { Transport } from "@connectrpc/connect";
import { Code, VirtufinError } from "../../runtime/errors.js";
import * as v1 from "../../generated/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../generated/grpc/reflection/v1alpha/reflection_pb.js";

/** The reflection versions, in the order they are tried. */
export type ReflectionVersion = "v1" | "v1alpha";

/** A question, in v1's types (v1alpha has the same fields and numbers). */
export type ReflectionQuestion = v1.ServerReflectionRequest["messageRequest"];

/** An answer, in v1's types. */
export type ReflectionAnswer = v1.ServerReflectionResponse["messageResponse"];

/** Where and how one question is asked. */
export interface ReflectionCall {
  /** The transport to the server. */
  readonly transport: Transport;
  /** Aborts the question. */
  readonly signal?: AbortSignal;
  /** Deadline of the question, in ms. */
  readonly timeoutMs: number;
  /** Extra request headers. */
  readonly headers?: HeadersInit;
}

/**
 * A bidi or client-streaming method seen as server-streaming: the same path and messages, one
 * request per call. Servers registered with it answer such calls over HTTP/1.1 too.
 */
export function asServerStreaming(method: DescMethod): DescMethodServerStreaming {
  return { ...method, methodKind: "server_streaming" };
}

const SERVICES: Readonly<Record<ReflectionVersion, DescService>> = { v1: v1.ServerReflection, v1alpha: v1alpha.ServerReflection };
const METHODS: Readonly<Record<ReflectionVersion, DescMethodServerStreaming>> = {
  v1: asServerStreaming(v1.ServerReflection.method.serverReflectionInfo),
  v1alpha: asServerStreaming(v1alpha.ServerReflection.method.serverReflectionInfo),
};

/** The full name of the reflection service of a version. */
export function reflectionServiceName(version: ReflectionVersion): string {
  return SERVICES[version].typeName;
}

/** Asks one question in one version; transport failures are thrown as VirtufinError. */
export async function askIn(
  version: ReflectionVersion,
  call: ReflectionCall,
  question: ReflectionQuestion,
): Promise<ReflectionAnswer> {
  const request = create(v1.ServerReflectionRequestSchema, { messageRequest: question });
  // v1alpha's messages are v1's under another package: converted through the binary form.
  const input =
    version === "v1"
      ? request
      : fromBinary(v1alpha.ServerReflectionRequestSchema, toBinary(v1.ServerReflectionRequestSchema, request));
  let answer: ReflectionAnswer | undefined;
  try {
    const response = await call.transport.stream(METHODS[version], call.signal, call.timeoutMs, call.headers, once(input));
    for await (const message of response.message) {
      if (answer !== undefined) continue; // one answer per question; read on so the call ends cleanly
      answer =
        version === "v1"
          ? (message as v1.ServerReflectionResponse).messageResponse
          : fromBinary(
              v1.ServerReflectionResponseSchema,
              toBinary(v1alpha.ServerReflectionResponseSchema, message as v1alpha.ServerReflectionResponse),
            ).messageResponse;
    }
  } catch (error) {
    throw VirtufinError.from(error);
  }
  if (answer === undefined) throw new VirtufinError("the reflection service sent no answer", Code.Unavailable);
  return answer;
}

async function* once<T>(value: T): AsyncIterable<T> {
  yield value;
}
