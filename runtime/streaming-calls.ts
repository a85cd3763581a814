/**
 * Client-streaming and bidirectional calls of generated clients. They live apart from the
 * client core so that only clients with such methods carry them: fetch cannot stream requests,
 * so browser pages never need them (bench/bundle).
 */
import type {
  DescMessage,
  DescMethodBiDiStreaming,
  DescMethodClientStreaming,
  MessageInitShape,
  MessageShape,
} from "@bufbuild/protobuf";
import type { CallOptions } from "./call-options.js";
import type { ClientCore } from "./client-core.js";
import { Code, VirtufinError } from "./errors.js";
import type { RequestInit } from "./request-init.js";

/** A bidirectional stream: each request is checked as it is sent (HTTP/2 transports only). */
export function bidiStream<I extends DescMessage, O extends DescMessage>(
  core: ClientCore,
  method: DescMethodBiDiStreaming<I, O>,
  requests: AsyncIterable<RequestInit<I>>,
  options?: CallOptions,
): AsyncIterable<MessageShape<O>> {
  return core.stream(method, normalizeEach(core, method.input, requests), options);
}

/** A client-streaming call: resolves to the server's one response (HTTP/2 transports only). */
export async function clientStream<I extends DescMessage, O extends DescMessage>(
  core: ClientCore,
  method: DescMethodClientStreaming<I, O>,
  requests: AsyncIterable<RequestInit<I>>,
  options?: CallOptions,
): Promise<MessageShape<O>> {
  let last: MessageShape<O> | undefined;
  for await (const message of core.stream(method, normalizeEach(core, method.input, requests), options)) last = message;
  if (last === undefined) throw new VirtufinError(`${method.name}: the server sent no response`, Code.Unimplemented);
  return last;
}

async function* normalizeEach<I extends DescMessage>(
  core: ClientCore,
  desc: I,
  requests: AsyncIterable<RequestInit<I>>,
): AsyncIterable<MessageInitShape<I>> {
  for await (const request of requests) yield core.normalize(desc, request);
}
