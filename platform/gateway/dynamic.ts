/**
 * Dynamic dispatch through the Gateway (seed: `client.gateway.workmanager.ListWorkers()`):
 * any backend and any unary method, named at run time, carried by `Gateway.InvokeJson`.
 *
 * Nothing reachable here is thenable, so `await api.gateway.x` resolves to the proxy instead of
 * hanging, and `JSON.stringify`/`util.inspect` of a proxy do not call the Gateway.
 */
import type { DescService } from "@bufbuild/protobuf";
import type { CallOptions } from "../../runtime/call-options.js";
import { invalidArgument } from "../../runtime/errors.js";

/** A JSON value as the Gateway returns it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Makes one JSON call (`Gateway.InvokeJson`). */
export type JsonInvoker = (service: string, method: string, request: unknown, options?: CallOptions) => Promise<JsonValue>;

/** A dynamically named RPC: call it with the request as a plain JSON-able object. */
export type DynamicMethod = (request?: unknown, options?: CallOptions) => Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** One backend reached through the Gateway. */
export interface ServiceProxy {
  /** The backend name, as the Gateway's services configuration lists it. */
  readonly serviceName: string;
  /** Calls a method by its proto name (e.g. "ListWorkers") with a JSON request. */
  call(method: string, request?: unknown, options?: CallOptions): Promise<JsonValue>;
  /** Attribute style: `proxy.ListWorkers()`, `proxy.CreateWorker({ ... })`. */
  readonly [method: string]: DynamicMethod | string | ServiceProxy["call"];
}

/**
 * A ServiceProxy of a service known at compile time: its RPCs, by their proto names
 * ("CreateWorker"), are declared members, so they type-check without a non-null assertion.
 */
export type KnownServiceProxy<S extends DescService> = ServiceProxy & {
  readonly [K in keyof S["method"] as Capitalize<K & string>]: DynamicMethod;
};

/** Every backend reached through the Gateway, by name. */
export interface GatewayDispatch {
  /** The backend with this name (works for names that clash with these helpers too). */
  service(name: string): ServiceProxy;
  /** Attribute style: `api.gateway.workmanager`. */
  readonly [service: string]: ServiceProxy | GatewayDispatch["service"];
}

/** Property names a proxy never answers with a call, so runtimes and tools treat it as a plain object. */
const INERT = new Set([
  "then",
  "toJSON",
  "constructor",
  "prototype",
  "__proto__",
  "valueOf",
  "toString",
  "inspect",
  "asymmetricMatch",
  "$$typeof",
  "nodeType",
]);

/**
 * A proxy over `base` whose other string properties are `named(prop)`: symbols and `own` names
 * read `base`, inert names read undefined.
 */
function namedProxy<T extends object>(
  base: T,
  own: (prop: string) => boolean,
  named: (prop: string) => unknown,
  handler: ProxyHandler<T> = {},
): T {
  return new Proxy(base, {
    ...handler,
    get(target, prop, receiver) {
      if (typeof prop === "symbol" || own(prop)) return Reflect.get(target, prop, receiver) as unknown;
      return INERT.has(prop) ? undefined : named(prop);
    },
  });
}

/** A cache: `make(key)` once per key. */
function memo<T>(make: (key: string) => T): (key: string) => T {
  const made = new Map<string, T>();
  return (key) => {
    let value = made.get(key);
    if (value === undefined) made.set(key, (value = make(key)));
    return value;
  };
}

/** Creates the proxy of one backend: every property name is a method, called by that proto name. */
function createServiceProxy(serviceName: string, invoke: JsonInvoker): ServiceProxy {
  const call = (method: string, request?: unknown, options?: CallOptions) => invoke(serviceName, method, request, options);
  const base = { serviceName, call };
  return namedProxy(
    base as ServiceProxy,
    (prop) => prop in base,
    memo(
      (prop): DynamicMethod =>
        (request?: unknown, options?: CallOptions) =>
          call(prop, request, options),
    ),
    { has: (_target, prop) => typeof prop === "string" && !INERT.has(prop) },
  );
}

/**
 * Creates the Gateway dispatcher: `dispatch.<backend>` or `dispatch.service(name)` gives a
 * ServiceProxy (typed calls are the generated `<Service>GatewayProxy` classes, made apart).
 */
export function createGatewayDispatch(invoke: JsonInvoker): GatewayDispatch {
  const proxy = memo((name) => createServiceProxy(name, invoke));
  const service = (name: string): ServiceProxy => {
    if (typeof name !== "string" || name.trim() === "") {
      throw invalidArgument(`a Gateway service name must be a non-empty string, got ${JSON.stringify(name)}`);
    }
    return proxy(name);
  };
  return namedProxy<GatewayDispatch>({ service }, (prop) => prop === "service", service);
}
