/**
 * The interfaces and base classes of a service. The method bodies live in a base class that the
 * direct client and the routes (gateway and pub/sub proxies) extend; a service with no route has
 * none, and its client holds the bodies itself. A route that carries unary calls only (the
 * Gateway's `InvokeJson`, request-reply over pub/sub) must not offer a method whose every call
 * throws: when the service has streaming methods besides unary ones and such a route exists,
 * the unary methods get their own interface `<S>UnaryApi` and base class, which those routes
 * implement and extend, and `<S>Api` (the direct client's) extends them with the streaming ones.
 */
import { paragraphs } from "./jsdoc.js";
import type { ApiModel, BaseModel, ServiceModel } from "./view-model.js";

/**
 * What build-model decides of a service before its interfaces and base classes are shaped: the
 * ServiceModel's own fields, plus what shaping needs and then drops.
 */
export type ServiceShapeDraft = Pick<
  ServiceModel,
  | "desc"
  | "apiName"
  | "clientName"
  | "clientDoc"
  | "constructorDoc"
  | "defaultsLiteral"
  | "shorthand"
  | "gatewayName"
  | "methods"
  | "gatewayProxy"
  | "pubsub"
> & {
  /** The unary interface's name when the service needs one, else undefined. */
  readonly unaryApiName: string | undefined;
  /** The service's comment lines, for the interfaces' doc. */
  readonly text: readonly string[];
  /** Its tags (`@deprecated`, `@generated`). */
  readonly tags: readonly string[];
};

/**
 * Adds the interfaces and base classes to a service.
 * @param exportName the file's export namer: base classes take names free among every export,
 *   so it is called after all exports of the file are named
 */
export function buildServiceShape(draft: ServiceShapeDraft, exportName: (base: string) => string): ServiceModel {
  const { unaryApiName, text, tags, ...service } = draft;
  const { desc, apiName, methods } = service;
  const privateCore = "The core is kept in a private field, so no method name can collide with it.";
  // Doc lines are kept under 100 characters for the usual name lengths.
  if (unaryApiName === undefined) {
    const api: ApiModel = {
      name: apiName,
      extendsName: undefined,
      doc: paragraphs(text, [`The calls of ${desc.typeName}, as every client of it offers them.`], tags),
      methods,
    };
    // No route shares the bodies: the client class holds them itself, with no base class.
    if (service.gatewayProxy === undefined && service.pubsub === undefined) {
      return {
        ...service,
        apis: [api],
        routeApiName: apiName,
        bases: [],
        clientBaseName: undefined,
        routeBaseName: undefined,
        clientMethods: methods,
      };
    }
    const baseName = exportName(desc.name + "ClientBase");
    const base: BaseModel = {
      name: baseName,
      extendsName: undefined,
      apiName,
      doc: [
        `The calls of ${desc.typeName}, written once for every client class of it: they extend this`,
        "class and differ only in the core they pass to it.",
        privateCore,
      ],
      methods,
    };
    return {
      ...service,
      apis: [api],
      routeApiName: apiName,
      bases: [base],
      clientBaseName: baseName,
      routeBaseName: baseName,
      clientMethods: [],
    };
  }
  const unaryBaseName = exportName(desc.name + "UnaryClientBase");
  const baseName = exportName(desc.name + "ClientBase");
  const unary = methods.filter((m) => m.unary);
  const streaming = methods.filter((m) => !m.unary);
  const apis: ApiModel[] = [
    {
      name: unaryApiName,
      extendsName: undefined,
      doc: paragraphs(
        text,
        [
          `The unary calls of ${desc.typeName}: what every route to it offers, the Gateway and pub/sub`,
          `included, which carry unary calls only. ${apiName} adds the streaming calls.`,
        ],
        tags,
      ),
      methods: unary,
    },
    {
      name: apiName,
      extendsName: unaryApiName,
      doc: paragraphs(text, [`The calls of ${desc.typeName}, streaming ones included, as its direct client offers them.`], tags),
      methods: streaming,
    },
  ];
  const bases: BaseModel[] = [
    {
      name: unaryBaseName,
      extendsName: undefined,
      apiName: unaryApiName,
      doc: [
        `The unary calls of ${desc.typeName}, written once for every route to it: the classes that`,
        "extend this one differ only in the core they pass to it.",
        privateCore,
      ],
      methods: unary,
    },
    {
      name: baseName,
      extendsName: unaryBaseName,
      apiName,
      doc: [
        `The streaming calls of ${desc.typeName}, for its direct client (the Gateway and pub/sub`,
        "carry unary calls only).",
        privateCore,
      ],
      methods: streaming,
    },
  ];
  return {
    ...service,
    apis,
    routeApiName: unaryApiName,
    bases,
    clientBaseName: baseName,
    routeBaseName: unaryBaseName,
    clientMethods: [],
  };
}
