/**
 * The models of the other routes to a service besides its direct client: the typed gateway
 * proxy (services a Gateway serves: a backend name from the proto or the `gateway_name` option)
 * and the typed request-reply proxy over pub/sub (services bound by `option (virtufin.pubsub)`). Names and documentation are decided here; the classes share the
 * direct client's method models, so their signatures are the same by construction.
 */
import type { DescService } from "@bufbuild/protobuf";
import type { VirtufinPluginOptions } from "../options/index.js";
import { escapeJsDoc, paragraphs } from "./jsdoc.js";
import { resolvePubsubBinding } from "./pubsub-binding.js";
import { readMessageExtensionString, VIRTUFIN_GATEWAY } from "./raw-options.js";
import type { GatewayProxyModel, PubsubModel } from "./view-model.js";

/** The Gateway backend name of a service and where it came from (for the documentation). */
export interface GatewayName {
  /** The name. */
  readonly name: string;
  /** Where it came from, as documentation text. */
  readonly origin: string;
}

/**
 * The backend name: `(virtufin.gateway).name`, else the `gateway_name` plugin option (by full,
 * then simple name), else undefined: no Gateway serves the service, so it gets no gateway proxy.
 */
export function resolveGatewayName(desc: DescService, options: VirtufinPluginOptions): GatewayName | undefined {
  const fromProto = readMessageExtensionString(desc.proto.options, VIRTUFIN_GATEWAY, 1);
  if (fromProto !== undefined && fromProto !== "") {
    return { name: fromProto, origin: "the proto's `(virtufin.gateway).name`" };
  }
  const fromOption = options.gatewayNames.get(desc.typeName) ?? options.gatewayNames.get(desc.name);
  if (fromOption !== undefined) {
    return { name: fromOption, origin: "the plugin option `gateway_name`" };
  }
  return undefined;
}

/** The `<Service>GatewayProxy` of a service a Gateway serves. */
export function buildGatewayProxy(
  desc: DescService,
  gateway: GatewayName,
  text: readonly string[],
  tags: readonly string[],
  names: { readonly className: string; readonly clientName: string },
): GatewayProxyModel {
  const quoted = `"${escapeJsDoc(gateway.name)}"`;
  const streaming = desc.methods.some((m) => m.methodKind !== "unary");
  return {
    className: names.className,
    doc: paragraphs(
      text,
      [
        `A typed gateway proxy of ${desc.typeName}: the calls of ${names.clientName}, carried by`,
        "`Gateway.InvokeJson` (the request as proto JSON, the response parsed back into the typed",
        "message, in-band failures raised as VirtufinError with their status code).",
      ],
      streaming
        ? [`The Gateway dispatches unary calls only, so the proxy has the unary methods; ${names.clientName} has all.`]
        : [],
      tags,
    ),
    nameLiteral: JSON.stringify(gateway.name),
    nameDoc: [`The Gateway backend name calls go to by default: ${quoted}`, `(from ${gateway.origin}).`],
    constructorDoc: [
      "Creates a proxy. `gateway` is anything with `invoke()`, such as an ApiClient, which stays",
      "open (the proxy owns nothing to close); `name` is the backend name, by default",
      `${quoted}.`,
    ],
  };
}

/** The request-reply model of a service bound to pub/sub, or undefined when it is not bound. */
export function buildPubsub(
  desc: DescService,
  text: readonly string[],
  tags: readonly string[],
  exportName: (base: string) => string,
): PubsubModel | undefined {
  const binding = resolvePubsubBinding(desc);
  if (binding === undefined) {
    return undefined;
  }
  const bindingName = exportName(desc.name + "PubsubBinding");
  // A proxy, like <Service>GatewayProxy: a typed client of a service carried by another channel
  // (PubsubClient names the direct client of the Pubsub service).
  const proxyName = exportName(desc.name + "PubsubProxy");
  const serveName = exportName("serve" + desc.name);
  if (binding.routes.length === 0) {
    throw new Error(
      `${desc.toString()}: option (virtufin.pubsub) on a service without unary methods; request-reply over pub/sub is unary only`,
    );
  }
  const streamingNote =
    binding.streaming.length === 0
      ? []
      : [
          "Pub/sub carries unary calls only, so this proxy has the unary methods (not",
          `${binding.streaming.map((m) => m.name).join(", ")}).`,
        ];
  const q = (s: string) => `"${escapeJsDoc(s)}"`;
  return {
    bindingName,
    proxyName,
    serveName,
    bindingDoc: [
      `How ${desc.typeName} travels over pub/sub, resolved from its \`(virtufin.pubsub)\` option`,
      `and the defaults of virtufin/options.proto: requests go to ${q(binding.topic)}, replies come back`,
      `on ${q(binding.replyTopic)}, unless a method says otherwise. Keyed by proto method name.`,
      "",
      `@generated from service ${desc.typeName}`,
    ],
    proxyDoc: paragraphs(
      text,
      [
        `A typed request-reply proxy of ${desc.typeName} over pub/sub: each call publishes the`,
        "request as a CloudEvent (proto JSON as data, with `correlationid` and `replytopic`) and",
        "resolves with the correlated reply. No reply within `timeoutMs` (default 30 s) rejects",
        "with RequestTimeoutError; a responder's error arrives as a VirtufinError with its code.",
      ],
      streamingNote,
      tags,
    ),
    constructorDoc: [
      "Creates a proxy. `target` is anything with a pub/sub client, such as an ApiClient, which",
      `stays open; \`binding\` overrides the topics and types (default ${bindingName}).`,
    ],
    serveDoc: [
      `Serves an implementation of ${desc.typeName} over pub/sub as a runner: call \`startup()\` to`,
      "subscribe and `shutdown()` to stop. Each method receives the typed request and returns the",
      "reply message (an init object is fine); a thrown error is answered with its status code,",
      `which ${proxyName} raises as a VirtufinError. Requests are told apart by their CloudEvent type.`,
      "",
      "@param target anything with a pub/sub client, such as an ApiClient",
      "@param implementation one function per unary method, by its protobuf-es local name",
      `@param binding the topics and types (default ${bindingName})`,
      "",
      `@generated from service ${desc.typeName}`,
    ],
    sourceLiteral: JSON.stringify(binding.source),
    routes: binding.routes.map((r) => ({
      key: r.method.name === "__proto__" ? '["__proto__"]' : r.method.name,
      topicLiteral: JSON.stringify(r.topic),
      replyTopicLiteral: JSON.stringify(r.replyTopic),
      typeLiteral: JSON.stringify(r.type),
    })),
  };
}
