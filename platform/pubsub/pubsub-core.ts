/**
 * Typed request-reply over pub/sub for services bound by `option (virtufin.pubsub)`: a client
 * core whose calls publish the typed request as a CloudEvent (proto JSON as data, with
 * `correlationid` and `replytopic`) and resolve with the typed reply, and a responder that serves
 * an implementation of the service as a runner.
 */
import {
  create,
  toJson,
  type DescMessage,
  type DescMethod,
  type DescMethodUnary,
  type DescService,
  type JsonValue,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";
import { DEFAULT_TIMEOUT_MS } from "../../runtime/call-options.js";
import type { ClientCore } from "../../runtime/client-core.js";
import { Code, VirtufinError, invalidArgument } from "../../runtime/errors.js";
import { createJsonCore, parseMessage } from "../../runtime/json-core.js";
import { Responder, type PubsubPort } from "./runners.js";
import type { Runner } from "../../runtime/runners/runner.js";
import { Runners } from "../../runtime/runners/runners.js";

/** Where one method's requests and replies travel. */
export interface MethodBinding {
  /** Topic requests are published to. */
  readonly topic: string;
  /** Topic replies come back on. */
  readonly replyTopic: string;
  /** CloudEvent type of requests (tells methods sharing a topic apart). */
  readonly type: string;
}

/** A service's pub/sub binding, as the generator resolves it from the proto options. */
export interface PubsubBinding {
  /** CloudEvent source of requests. */
  readonly source: string;
  /** Per method, by proto method name ("GetTime"). */
  readonly methods: Readonly<Record<string, MethodBinding>>;
}

/** A received reply, as a pub/sub client delivers it. */
export interface ReplyEvent {
  /** The payload parsed as JSON. */
  dataAsJson<T = unknown>(): T;
}

/**
 * What typed request-reply runs on: anything with a pub/sub client (an ApiClient). Responders
 * subscribe and publish through it as {@link PubsubPort}.
 */
export interface PubsubTarget {
  /** The pub/sub client. */
  readonly pubsub: PubsubPort & {
    /** Publishes a request and waits for the correlated reply. */
    publishWithResult(request: {
      topic: string;
      data: JsonValue;
      replyTopic: string;
      timeoutMs: number;
      type: string;
      source: string;
      signal?: AbortSignal;
      metadata?: Record<string, string>;
    }): Promise<ReplyEvent>;
  };
}

/** Creates the core of a typed request-reply proxy (`<Service>PubsubProxy`) of a bound service. */
export function createPubsubCore(service: DescService, target: PubsubTarget, binding: PubsubBinding): ClientCore {
  if (typeof target?.pubsub?.publishWithResult !== "function") {
    throw invalidArgument(`a ${service.name} pub/sub proxy needs a target with pubsub (an ApiClient)`);
  }
  return createJsonCore(
    async (method, data, options) => {
      const route = bindingOf(service, binding, method);
      const reply = await target.pubsub.publishWithResult({
        topic: route.topic,
        replyTopic: route.replyTopic,
        type: route.type,
        source: binding.source,
        data,
        timeoutMs: options?.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        signal: options?.signal,
        metadata: options?.headers ? headersToMetadata(options.headers) : undefined,
      });
      return reply.dataAsJson<JsonValue>();
    },
    (method) => `${service.typeName}.${method.name}`,
    "request-reply over pub/sub is unary only",
    Code.InvalidArgument,
  );
}

/**
 * The implementation a responder serves: one function per unary method, by its local name.
 * Streaming methods are not carried over pub/sub, so they are left out (not required).
 */
export type PubsubImplementation<S extends DescService> = {
  [K in keyof S["method"] as S["method"][K] extends DescMethodUnary ? K : never]: S["method"][K] extends DescMethodUnary<
    infer I,
    infer O
  >
    ? (request: MessageShape<I>, context: { readonly signal: AbortSignal }) => MessageInitShape<O> | Promise<MessageInitShape<O>>
    : never;
};

/**
 * Serves `implementation` over pub/sub as a runner: one responder per request topic (a group
 * when the methods use several). A request's CloudEvent type selects the method; a failing
 * method is answered with its error code, which the caller raises as a typed error.
 */
export function servePubsub<S extends DescService>(
  service: S,
  target: PubsubTarget,
  binding: PubsubBinding,
  implementation: PubsubImplementation<S>,
): Runner {
  const byTopic = new Map<string, DescMethodUnary[]>();
  for (const method of service.methods) {
    if (method.methodKind !== "unary") continue;
    const route = bindingOf(service, binding, method);
    byTopic.set(route.topic, [...(byTopic.get(route.topic) ?? []), method as DescMethodUnary]);
  }
  const responders = [...byTopic].map(
    ([topic, methods]) =>
      new Responder(
        target.pubsub,
        topic,
        async (event, signal) => {
          const method =
            methods.length === 1 ? methods[0]! : methods.find((m) => bindingOf(service, binding, m).type === event.type);
          if (!method)
            throw new VirtufinError(
              `no method of ${service.typeName} handles requests of type "${event.type}"`,
              Code.Unimplemented,
            );
          const handler = (implementation as Record<string, (r: unknown, c: { signal: AbortSignal }) => unknown>)[
            method.localName
          ];
          if (typeof handler !== "function")
            throw new VirtufinError(`${service.typeName}.${method.name} is not implemented`, Code.Unimplemented);
          const request = parseMessage(
            method.input,
            event.dataAsJson<JsonValue>(),
            `${service.typeName}.${method.name} request`,
            Code.InvalidArgument,
          );
          const result = await handler.call(implementation, request, { signal });
          return toJson(method.output, create(method.output, result as MessageInitShape<DescMessage>));
        },
        { name: `${service.name}-responder-${topic}`, source: binding.source },
      ),
  );
  return responders.length === 1 ? responders[0]! : new Runners({ runners: responders, name: `${service.name}-responders` });
}

function bindingOf(service: DescService, binding: PubsubBinding, method: DescMethod): MethodBinding {
  // Own properties only: a binding without "toString" must not route it to Object.prototype's.
  const route = Object.hasOwn(binding.methods, method.name) ? binding.methods[method.name] : undefined;
  if (!route) throw new VirtufinError(`${service.typeName}.${method.name} has no pub/sub binding`, Code.Unimplemented);
  return route;
}

/** Per-call headers travel as CloudEvent metadata over pub/sub. */
function headersToMetadata(headers: HeadersInit): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(headers).forEach((value, key) => (out[key] = value));
  return out;
}
