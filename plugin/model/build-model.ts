/**
 * Builds the view model of one proto file from its descriptors: every naming and shaping
 * decision of the generated clients is made here.
 */
import type { DescFile, DescMessage, DescService } from "@bufbuild/protobuf";
import type { VirtufinPluginOptions } from "../options/index.js";
import type { CommentIndex } from "./comments.js";
import { commentLines, escapeJsDoc, paragraphs } from "./jsdoc.js";
import { buildMethod } from "./method-model.js";
import { createExportNamer, createMethodNamer } from "./names.js";
import { DEFAULT_HOST, readStringExtension } from "./raw-options.js";
import { buildGatewayProxy, buildPubsub, resolveGatewayName } from "./route-models.js";
import { buildServiceShape, type ServiceShapeDraft } from "./service-shape.js";
import type { FileModel } from "./view-model.js";

/** The suffix of generated client files: `virtufin/workmanager.proto` gives `virtufin/workmanager_client.ts`. */
export const CLIENT_FILE_SUFFIX = "_client.ts";

/** Builds the model of a file, or undefined when the file has no services (nothing is generated). */
export function buildFileModel(file: DescFile, options: VirtufinPluginOptions, comments: CommentIndex): FileModel | undefined {
  if (file.services.length === 0) {
    return undefined;
  }
  const exportName = createExportNamer();
  const drafts = file.services.map((s) => buildService(s, options, comments, exportName));
  // The base classes are named after every export, so adding them renamed no export.
  return {
    proto: file,
    outputName: file.name + CLIENT_FILE_SUFFIX,
    runtime: options.runtime,
    services: drafts.map((d) => buildServiceShape(d, exportName)),
  };
}

function buildService(
  desc: DescService,
  options: VirtufinPluginOptions,
  comments: CommentIndex,
  exportName: (base: string) => string,
): ServiceShapeDraft {
  const apiName = exportName(desc.name + "Api");
  const clientName = exportName(desc.name + "Client");
  const deprecated = desc.proto.options?.deprecated === true;
  const defaults = parseDefaultHost(desc);
  const resolvedGateway = resolveGatewayName(desc, options);
  const gatewayName = resolvedGateway?.name;
  const text = commentLines(comments.service(desc));
  const tags = [...(deprecated ? ["@deprecated"] : []), `@generated from service ${desc.typeName}`];
  const gateway = gatewayName === undefined ? [] : [`Gateway backend name: "${escapeJsDoc(gatewayName)}".`];
  const endpoint =
    defaults === undefined
      ? "Host and port missing from the connection options take the runtime's defaults."
      : `Host and port missing from the connection options default to ${escapeJsDoc(defaults.text)} (the service's google.api.default_host).`;
  const namer = createMethodNamer();
  const methods = desc.methods.map((m) => buildMethod(m, namer(m.name), desc, comments));
  const hasUnary = methods.some((m) => m.unary);
  // A route that carries unary calls only gets no class when the service has no unary method.
  const gatewayProxy =
    resolvedGateway !== undefined && hasUnary
      ? buildGatewayProxy(desc, resolvedGateway, text, tags, { className: exportName(desc.name + "GatewayProxy"), clientName })
      : undefined;
  const pubsub = buildPubsub(desc, text, tags, exportName);
  const routed = gatewayProxy !== undefined || pubsub !== undefined;
  const streaming = methods.some((m) => !m.unary);
  return {
    desc,
    apiName,
    unaryApiName: routed && streaming ? exportName(desc.name + "UnaryApi") : undefined,
    clientName,
    text,
    tags,
    clientDoc: paragraphs(text, [`A client of ${desc.typeName}.`], gateway, tags),
    constructorDoc: [
      "Creates a client. `target` is connection options (`{ host, port, tls, apiKey, ... }`), a",
      "Connect `Transport`, a `Connection`, or an object holding a connection (such as a platform",
      "client), which is shared and left open by close().",
      "",
      endpoint,
    ],
    defaultsLiteral: defaults?.literal,
    shorthand: desc.methods.some((m) => hasOneof(m.input, new Set())),
    gatewayName,
    methods,
    gatewayProxy,
    pubsub,
  };
}

/** True when `message`, or a message reachable through its fields, has a oneof. */
function hasOneof(message: DescMessage, seen: Set<DescMessage>): boolean {
  if (seen.has(message)) return false;
  seen.add(message);
  return (
    message.oneofs.length > 0 ||
    message.fields.some((f) => {
      // Lists and maps of scalars or enums have no message.
      const nested = f.fieldKind === "scalar" || f.fieldKind === "enum" ? undefined : f.message;
      return nested !== undefined && hasOneof(nested, seen);
    })
  );
}

/** Parses `google.api.default_host` ("localhost:5102", "[::1]:5102", "api.example.com"). */
function parseDefaultHost(desc: DescService): { literal: string; text: string } | undefined {
  const values = readStringExtension(desc.proto.options, DEFAULT_HOST);
  const value = values[values.length - 1]?.trim();
  if (value === undefined || value === "") {
    return undefined;
  }
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(value);
  if (m === null || (m[2] !== undefined && Number(m[2]) > 65535)) {
    throw new Error(`${desc.toString()}: google.api.default_host "${value}" is not "host" or "host:port"`);
  }
  const host = m[1]!.replace(/^\[(.*)\]$/, "$1");
  const parts = [`host: ${JSON.stringify(host)}`];
  if (m[2] !== undefined) {
    parts.push(`port: ${Number(m[2])}`);
  }
  return { literal: `{ ${parts.join(", ")} }`, text: value };
}
