/**
 * Builds the view model of one proto file from its descriptors: every naming and shaping
 * decision of the generated clients is made here.
 */
import type { DescField, DescFile, DescMethod, DescService } from "@bufbuild/protobuf";
import type { VirtufinPluginOptions } from "../options/index.js";
import type { CommentIndex } from "./comments.js";
import { commentLines, escapeJsDoc, inlineComment, paragraphs } from "./jsdoc.js";
import { createExportNamer, createMethodNamer, createParamNamer } from "./names.js";
import { DEFAULT_HOST, METHOD_SIGNATURE, readStringExtension } from "./raw-options.js";
import { buildGatewayProxy, buildPubsub, resolveGatewayName } from "./route-models.js";
import { flatSignature } from "./signatures.js";
import { fieldType, isObjectValued, requestInitType } from "./type-expr.js";
import type { FileModel, MethodModel, OverloadModel, ParamModel, ServiceModel, TypeExpr } from "./view-model.js";

/** The suffix of generated client files: `virtufin/workmanager.proto` gives `virtufin/workmanager_client.ts`. */
export const CLIENT_FILE_SUFFIX = "_client.ts";

const CALL_OPTIONS: ParamModel = {
  name: "options",
  optional: true,
  type: [{ kind: "runtime-type", name: "CallOptions" }],
};

/** Builds the model of a file, or undefined when the file has no services (nothing is generated). */
export function buildFileModel(
  file: DescFile,
  options: VirtufinPluginOptions,
  comments: CommentIndex,
): FileModel | undefined {
  if (file.services.length === 0) {
    return undefined;
  }
  const exportName = createExportNamer();
  const services = file.services.map((s) => buildService(s, options, comments, exportName));
  // The base classes are named after every export, so adding them renamed no export.
  return {
    proto: file,
    outputName: file.name + CLIENT_FILE_SUFFIX,
    runtime: options.runtime,
    services: services.map((s) => ({ ...s, baseName: exportName(s.desc.name + "ClientBase") })),
  };
}

function buildService(
  desc: DescService,
  options: VirtufinPluginOptions,
  comments: CommentIndex,
  exportName: (base: string) => string,
): Omit<ServiceModel, "baseName"> {
  const apiName = exportName(desc.name + "Api");
  const clientName = exportName(desc.name + "Client");
  const proxyName = exportName(desc.name + "GatewayProxy");
  const deprecated = desc.proto.options?.deprecated === true;
  const defaults = parseDefaultHost(desc);
  const resolvedGateway = resolveGatewayName(desc, options);
  const gatewayName = resolvedGateway.explicit ? resolvedGateway.name : undefined;
  const text = commentLines(comments.service(desc));
  const tags = [...(deprecated ? ["@deprecated"] : []), `@generated from service ${desc.typeName}`];
  const gateway = gatewayName === undefined ? [] : [`Gateway backend name: "${escapeJsDoc(gatewayName)}".`];
  const endpoint =
    defaults === undefined
      ? "Host and port missing from the connection options take the runtime's defaults."
      : `Host and port missing from the connection options default to ${escapeJsDoc(defaults.text)} (the service's google.api.default_host).`;
  const namer = createMethodNamer();
  return {
    desc,
    apiName,
    clientName,
    apiDoc: paragraphs(text, [`The calls of ${desc.typeName}, as every client of it offers them.`], tags),
    clientDoc: paragraphs(text, [`A client of ${desc.typeName}.`], gateway, tags),
    baseDoc: [
      `The calls of ${desc.typeName}, written once for every route to it: the direct client, the`,
      "gateway proxy and the pub/sub client extend this class and differ only in the core they",
      "pass to it. Kept in a private field, so no method name can collide with it.",
    ],
    constructorDoc: [
      "Creates a client. `target` is connection options (`{ host, port, tls, apiKey, ... }`), a",
      "Connect `Transport`, a `Connection`, or an object holding a connection (such as a platform",
      "client), which is shared and left open by close().",
      "",
      endpoint,
    ],
    defaultsLiteral: defaults?.literal,
    gatewayName,
    methods: desc.methods.map((m) => buildMethod(m, namer(m.name), desc, comments)),
    gatewayProxy: buildGatewayProxy(desc, resolvedGateway, text, tags, { className: proxyName, clientName }),
    pubsub: buildPubsub(desc, text, tags, exportName),
  };
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

function buildMethod(desc: DescMethod, name: string, service: DescService, comments: CommentIndex): MethodModel {
  const streamingInput = desc.methodKind === "client_streaming" || desc.methodKind === "bidi_streaming";
  const streamingOutput = desc.methodKind === "server_streaming" || desc.methodKind === "bidi_streaming";
  const coreCall = (
    { unary: "unary", server_streaming: "serverStream", client_streaming: "clientStream", bidi_streaming: "bidiStream" } as const
  )[desc.methodKind];
  const result = buildResult(desc, streamingOutput);
  const requestType = requestInitType(desc.input);
  const text = commentLines(comments.method(desc));
  const tags = [...(desc.deprecated ? ["@deprecated"] : []), `@generated from rpc ${service.typeName}.${desc.name}`];
  const requestParam: ParamModel = streamingInput
    ? { name: "requests", optional: false, type: [{ kind: "global", name: "AsyncIterable" }, "<", ...requestType, ">"] }
    : { name: "request", optional: desc.input.fields.length === 0, type: requestType };
  const requestOverload: OverloadModel = { doc: paragraphs(text, tags), params: [requestParam, CALL_OPTIONS] };

  const signature = flatSignature(desc, readStringExtension(desc.proto.options, METHOD_SIGNATURE));
  let overloads: OverloadModel[] = [requestOverload];
  let flat: MethodModel["flat"];
  if (signature !== undefined) {
    const paramName = createParamNamer();
    const params = signature.fields.map((field, i) => flatParam(field, paramName(field.name), i >= signature.required));
    const paramDocs = signature.fields.map((field, i) => paramDoc(params[i]!.name, field, comments));
    const flatOverload: OverloadModel = {
      doc: paragraphs(text, paramDocs, tags),
      params: [...params, CALL_OPTIONS],
    };
    // The request form is offered too when a plain object as first argument can only mean it.
    const objectForm = !isObjectValued(signature.fields[0]!);
    overloads = objectForm ? [flatOverload, requestOverload] : [flatOverload];
    flat = {
      fieldsLiteral: `[${signature.fields.map((f) => JSON.stringify(f.localName)).join(", ")}]`,
      objectForm,
    };
  }
  return {
    name,
    service,
    descKey: desc.localName,
    coreCall,
    returnsPromise: !streamingOutput,
    requestArg: requestParam.name,
    resultType: result.type,
    returnsVoid: result.void,
    unwrapField: result.field,
    requestType,
    overloads,
    flat,
  };
}

function flatParam(field: DescField, name: string, optional: boolean): ParamModel {
  const { type } = fieldType(field, true);
  return { name, optional, type: optional ? [...type, " | undefined"] : type };
}

function paramDoc(name: string, field: DescField, comments: CommentIndex): string {
  const text = inlineComment(comments.field(field));
  const deprecated = field.deprecated ? "(deprecated) " : "";
  return `@param ${name} ${deprecated}${text}`.trimEnd();
}

/** Unwrapping: one field (not a oneof member) returns its value; no field returns void (unary only). */
function buildResult(desc: DescMethod, streamingOutput: boolean): { type: TypeExpr; void: boolean; field: string | undefined } {
  const fields = desc.output.fields;
  if (fields.length === 0 && !streamingOutput) {
    return { type: ["void"], void: true, field: undefined };
  }
  if (fields.length === 1 && fields[0]!.oneof === undefined) {
    const { type, maybeUndefined } = fieldType(fields[0]!, false);
    return { type: maybeUndefined ? [...type, " | undefined"] : type, void: false, field: fields[0]!.localName };
  }
  return { type: [{ kind: "shape", desc: desc.output }], void: false, field: undefined };
}
