/**
 * Resolves a service's pub/sub binding (`option (virtufin.pubsub)` and the per-method
 * `option (virtufin.pubsub_method)`, see proto/virtufin/options.proto) into concrete topics and
 * CloudEvent types, applying exactly the defaults that file documents:
 *
 * - topic: the service's full name in lowercase, dots replaced by hyphens, + "-requests";
 * - reply topic: the (service's) request topic + "-replies";
 * - source: "urn:<service full name>";
 * - per method: topic and reply topic default to the service's, type to "<full name>.<Method>".
 *
 * Streaming methods are not carried over pub/sub (request-reply is one request, one reply):
 * they get no route, and the generated request-reply proxy throws UNIMPLEMENTED for them.
 */
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { hasExtension, readMessageExtensionString, VIRTUFIN_PUBSUB, VIRTUFIN_PUBSUB_METHOD } from "./raw-options.js";

/** Where one unary method's requests and replies travel. */
export interface ResolvedRoute {
  /** The method. */
  readonly method: DescMethod;
  /** The request topic. */
  readonly topic: string;
  /** The reply topic (sent as the `replytopic` extension). */
  readonly replyTopic: string;
  /** The CloudEvent type of requests. */
  readonly type: string;
}

/** A service's resolved pub/sub binding. */
export interface ResolvedBinding {
  /** The CloudEvent source of requests. */
  readonly source: string;
  /** The service's request topic. */
  readonly topic: string;
  /** The service's reply topic. */
  readonly replyTopic: string;
  /** One route per unary method, in proto order. */
  readonly routes: readonly ResolvedRoute[];
  /** The streaming methods, which pub/sub does not carry. */
  readonly streaming: readonly DescMethod[];
}

/** A string option value: empty means "use the default"; whitespace inside is an error. */
function value(raw: string | undefined, fallback: string, what: string): string {
  if (raw === undefined || raw === "") {
    return fallback;
  }
  if (/\s/.test(raw)) {
    throw new Error(`${what} "${raw}" contains whitespace`);
  }
  return raw;
}

/**
 * The binding of a service, or undefined when the service has no `(virtufin.pubsub)` option.
 * Throws a generation error naming the RPC for a per-method option on an unbound service or a
 * streaming method, and for two methods of one topic with the same type (a responder could not
 * tell them apart).
 */
export function resolvePubsubBinding(service: DescService): ResolvedBinding | undefined {
  const options = service.proto.options;
  if (!hasExtension(options, VIRTUFIN_PUBSUB)) {
    for (const method of service.methods) {
      if (hasExtension(method.proto.options, VIRTUFIN_PUBSUB_METHOD)) {
        throw new Error(`${method.toString()}: option (virtufin.pubsub_method) needs option (virtufin.pubsub) on its service`);
      }
    }
    return undefined;
  }
  const where = `${service.toString()}: option (virtufin.pubsub)`;
  const topic = value(
    readMessageExtensionString(options, VIRTUFIN_PUBSUB, 1),
    service.typeName.toLowerCase().replace(/\./g, "-") + "-requests",
    `${where} topic`,
  );
  const replyTopic = value(readMessageExtensionString(options, VIRTUFIN_PUBSUB, 2), topic + "-replies", `${where} reply_topic`);
  const source = value(readMessageExtensionString(options, VIRTUFIN_PUBSUB, 3), `urn:${service.typeName}`, `${where} source`);
  const routes: ResolvedRoute[] = [];
  const streaming: DescMethod[] = [];
  const byTopicAndType = new Map<string, DescMethod>();
  for (const method of service.methods) {
    const methodOptions = method.proto.options;
    if (method.methodKind !== "unary") {
      if (hasExtension(methodOptions, VIRTUFIN_PUBSUB_METHOD)) {
        throw new Error(
          `${method.toString()}: option (virtufin.pubsub_method) on a ${method.methodKind.replace("_", "-")} method; request-reply over pub/sub is unary only`,
        );
      }
      streaming.push(method);
      continue;
    }
    const at = `${method.toString()}: option (virtufin.pubsub_method)`;
    const route: ResolvedRoute = {
      method,
      topic: value(readMessageExtensionString(methodOptions, VIRTUFIN_PUBSUB_METHOD, 1), topic, `${at} topic`),
      replyTopic: value(readMessageExtensionString(methodOptions, VIRTUFIN_PUBSUB_METHOD, 2), replyTopic, `${at} reply_topic`),
      type: value(
        readMessageExtensionString(methodOptions, VIRTUFIN_PUBSUB_METHOD, 3),
        `${service.typeName}.${method.name}`,
        `${at} type`,
      ),
    };
    const key = `${route.topic}\u0000${route.type}`;
    const other = byTopicAndType.get(key);
    if (other !== undefined) {
      throw new Error(
        `${method.toString()}: requests of type "${route.type}" on topic "${route.topic}" are also those of ${other.name}; ` +
          "give one of them its own (virtufin.pubsub_method) type or topic",
      );
    }
    byTopicAndType.set(key, method);
    routes.push(route);
  }
  return { source, topic, replyTopic, routes, streaming };
}
