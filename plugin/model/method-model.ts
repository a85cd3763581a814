/**
 * Builds the model of one RPC as a client method: its signatures (flattened from
 * `google.api.method_signature` when it has one), its unwrapped result, and its implementation
 * as ready-made lines, so the templates print them without choosing among bodies.
 */
import type { DescField, DescMethod, DescService } from "@bufbuild/protobuf";
import type { CommentIndex } from "./comments.js";
import { commentLines, inlineComment, paragraphs } from "./jsdoc.js";
import { createParamNamer } from "./names.js";
import { METHOD_SIGNATURE, readStringExtension } from "./raw-options.js";
import { flatSignature } from "./signatures.js";
import { fieldType, isObjectValued, requestInitType } from "./type-expr.js";
import type { Code, ImplementationModel, MethodModel, OverloadModel, ParamModel, TypeExpr } from "./view-model.js";

const CALL_OPTIONS: ParamModel = {
  name: "options",
  optional: true,
  type: [{ kind: "runtime-type", name: "CallOptions" }],
};

/**
 * The call of each method kind: a ClientCore method, or for request streams a runtime function
 * given the core (so that only clients with such methods carry it).
 */
const CORE_CALLS = {
  unary: { method: "unary" },
  server_streaming: { method: "serverStream" },
  client_streaming: { runtime: "clientStream" },
  bidi_streaming: { runtime: "bidiStream" },
} as const;

/** The message in which the platform reports success or failure in-band. */
const STATUS_RESPONSE = "virtufin.StatusResponse";

/**
 * What the generated code says about an in-band status: a failure is thrown, a missing status
 * is a success (as the platform client's own calls treat it, see `throwIfFailed`).
 */
const STATUS_DOC = [
  "An in-band failure (`success=false`) is thrown as a VirtufinError with its status code",
  "(ABORTED as EtagMismatchError); a response without a status counts as a success.",
];

/** How a response becomes the method's result. */
interface Result {
  /** The element type the method resolves to. */
  readonly type: TypeExpr;
  /**
   * How the body turns the response into the result: `void` (no fields: awaited, nothing
   * returned), `whole` (the response message), `field` (its one field, unwrapped), `status`
   * (an in-band StatusResponse: thrown when failed, nothing returned).
   */
  readonly kind: "void" | "whole" | "field" | "status";
  /**
   * The expression after `response` that reaches the value: `.field` for an unwrapped field
   * (and for a StatusResponse in a field), empty for a response that is itself a StatusResponse.
   */
  readonly access: string;
}

/** How a flattened method splits its arguments at run time. */
interface Flat {
  readonly fieldsLiteral: string;
  readonly objectForm: boolean;
}

/**
 * The model of one RPC.
 * @param name the client method's name, already made unique in its service
 */
export function buildMethod(desc: DescMethod, name: string, service: DescService, comments: CommentIndex): MethodModel {
  const streamingInput = desc.methodKind === "client_streaming" || desc.methodKind === "bidi_streaming";
  const streamingOutput = desc.methodKind === "server_streaming" || desc.methodKind === "bidi_streaming";
  const result = buildResult(desc, streamingOutput);
  const returnType: TypeExpr = [
    { kind: "global", name: streamingOutput ? "AsyncIterable" : "Promise" },
    "<",
    ...result.type,
    ">",
  ];
  const requestType = requestInitType(desc.input);
  const text = commentLines(comments.method(desc));
  const statusDoc = result.kind === "status" ? STATUS_DOC : [];
  const tags = [...(desc.deprecated ? ["@deprecated"] : []), `@generated from rpc ${service.typeName}.${desc.name}`];
  const requestParam: ParamModel = streamingInput
    ? { name: "requests", optional: false, type: [{ kind: "global", name: "AsyncIterable" }, "<", ...requestType, ">"] }
    : { name: "request", optional: desc.input.fields.length === 0, type: requestType };
  const requestOverload: OverloadModel = { doc: paragraphs(text, statusDoc, tags), params: [requestParam, CALL_OPTIONS] };

  const signature = flatSignature(desc, readStringExtension(desc.proto.options, METHOD_SIGNATURE));
  let overloads: OverloadModel[] = [requestOverload];
  let flat: Flat | undefined;
  if (signature !== undefined) {
    const paramName = createParamNamer();
    const params = signature.fields.map((field, i) => flatParam(field, paramName(field.name), i >= signature.required));
    const paramDocs = signature.fields.map((field, i) => paramDoc(params[i]!.name, field, comments));
    const flatOverload: OverloadModel = { doc: paragraphs(text, statusDoc, paramDocs, tags), params: [...params, CALL_OPTIONS] };
    // The request form is offered too when a plain object as first argument can only mean it.
    const objectForm = !isObjectValued(signature.fields[0]!);
    overloads = objectForm ? [flatOverload, requestOverload] : [flatOverload];
    flat = { fieldsLiteral: `[${signature.fields.map((f) => JSON.stringify(f.localName)).join(", ")}]`, objectForm };
  }
  // A promise-returning method is async, so its body can await the call.
  const lead = streamingOutput ? name : `async ${name}`;
  const coreCall: { method: string } | { runtime: string } = CORE_CALLS[desc.methodKind];
  const call: Code = [
    ...("method" in coreCall
      ? [`this.#core.${coreCall.method}(`]
      : [{ kind: "runtime-value" as const, name: coreCall.runtime }, "(this.#core, "]),
    { kind: "schema", desc: service },
    `.method.${desc.localName}, ${requestParam.name}`,
    ...(flat === undefined ? [] : [" as ", ...requestType]),
    ", options)",
  ];
  const implementation: ImplementationModel =
    flat === undefined
      ? {
          declarations: [],
          docs: [requestOverload.doc],
          head: [lead, "(", ...paramList(requestOverload.params), "): ", ...returnType],
          statements: resultStatements(call, result, streamingOutput, service, desc),
        }
      : {
          declarations: overloads,
          docs: [],
          head: [lead, "(...", { kind: "local", name: "args" }, ": unknown[]): ", ...returnType],
          statements: [
            [
              "const [",
              { kind: "local", name: "request" },
              ", ",
              { kind: "local", name: "options" },
              "] = ",
              { kind: "runtime-value", name: "flatArgs" },
              `(args, ${flat.fieldsLiteral}, ${String(flat.objectForm)});`,
            ],
            ...resultStatements(call, result, streamingOutput, service, desc),
          ],
        };
  return { name, unary: desc.methodKind === "unary", returnType, overloads, implementation };
}

/** A parameter list (`request?: T, options?: CallOptions`) as code. */
function paramList(params: readonly ParamModel[]): Code {
  return params.flatMap((p, i): Code => [
    ...(i === 0 ? [] : [", "]),
    { kind: "local", name: p.name },
    p.optional ? "?: " : ": ",
    ...p.type,
  ]);
}

/** The statements turning the core call into the method's result. */
function resultStatements(call: Code, result: Result, streamingOutput: boolean, service: DescService, desc: DescMethod): Code[] {
  const response: Code = ["const ", { kind: "local", name: "response" }, " = await ", ...call, ";"];
  switch (result.kind) {
    case "void":
      return [["await ", ...call, ";"]];
    case "whole":
      return [["return ", ...call, ";"]];
    case "status": {
      const context = JSON.stringify(`${service.typeName}.${desc.name} failed`);
      return [response, [{ kind: "runtime-value", name: "throwIfFailed" }, `(response${result.access}, ${context});`]];
    }
    case "field":
      return streamingOutput
        ? [["return ", { kind: "runtime-value", name: "mapAsync" }, "(", ...call, `, (response) => response${result.access});`]]
        : [response, [`return response${result.access};`]];
  }
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

/**
 * Unwrapping: one field (not a oneof member) returns its value; no field returns void (unary
 * only). A unary result that would be a StatusResponse (the response, or its one field) is
 * checked instead: the method resolves to void and throws an in-band failure.
 */
function buildResult(desc: DescMethod, streamingOutput: boolean): Result {
  const fields = desc.output.fields;
  if (fields.length === 0 && !streamingOutput) {
    return { type: ["void"], kind: "void", access: "" };
  }
  if (!streamingOutput && desc.output.typeName === STATUS_RESPONSE) {
    return { type: ["void"], kind: "status", access: "" };
  }
  if (fields.length === 1 && fields[0]!.oneof === undefined) {
    const field = fields[0]!;
    const access = `.${field.localName}`;
    if (!streamingOutput && field.fieldKind === "message" && field.message.typeName === STATUS_RESPONSE) {
      return { type: ["void"], kind: "status", access };
    }
    const { type, maybeUndefined } = fieldType(field, false);
    return { type: maybeUndefined ? [...type, " | undefined"] : type, kind: "field", access };
  }
  return { type: [{ kind: "shape", desc: desc.output }], kind: "whole", access: "" };
}
