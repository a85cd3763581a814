/**
 * Calls to any gRPC server with server reflection, without generated stubs (seed: "Direct gRPC
 * Usage ... using dynamic method invocation"): list its services and methods, describe a
 * method's messages as JSON Schema, call unary methods with proto JSON in and out, and
 * server-streaming ones as an AsyncIterable of JSON.
 *
 * It rides on the runtime of the generated clients — the same {@link Connection} (credentials,
 * TLS, protocol: gRPC, gRPC-Web or Connect, in Node and in browsers), `CallOptions`, deadlines,
 * retries of methods whose proto says they are idempotent, and VirtufinError codes.
 */
import {
  fromJson,
  toJson,
  type DescMethod,
  type DescMethodServerStreaming,
  type DescMethodUnary,
  type DescService,
  type JsonValue,
  type Message,
} from "@bufbuild/protobuf";
import type { MethodInfo } from "../../generated/virtufin/gateway_pb.js";
import type { Transport } from "@connectrpc/connect";
import { checkTimeout } from "../../runtime/call-options.js";
import { type CallOptions } from "../../runtime/call-options.js";
import { createClientCore, type ClientCore, type ClientTarget } from "../../runtime/client-core.js";
import { Connection, isTransport, type ConnectionOptions } from "../../runtime/connection.js";
import { Code, VirtufinError } from "../../runtime/errors.js";
import { normalizeInit } from "../../runtime/request-init.js";
import { messageJsonSchema, type JsonSchema } from "./json-schema.js";
import { methodInfo } from "./method-info.js";
import { listServiceNames, reflectServer, type ReflectedServer, type ReflectOptions } from "./reflect-server.js";
import type { ReflectionVersion } from "./reflection-protocol.js";

/** A method and its messages' JSON Schemas. */
export interface MethodDescription {
  /** What the Gateway's ListMethods says of it: names, types, streaming flags. */
  readonly info: MethodInfo;
  /** The gRPC path, "/package.Service/Method". */
  readonly path: string;
  /** "unary", "server_streaming", "client_streaming" or "bidi_streaming". */
  readonly kind: DescMethod["methodKind"];
  /** JSON Schema of the request's proto JSON. */
  readonly requestSchema: JsonSchema;
  /** JSON Schema of the response's proto JSON. */
  readonly responseSchema: JsonSchema;
}

/** Codes after which the cached descriptors are dropped: the server may have changed. */
const STALE_CODES = new Set([Code.Unimplemented, Code.NotFound]);

/**
 * A reflection client of one server. Descriptors are fetched on first use and cached for the
 * connection; they are fetched again when a method is not found in them, when a call fails with
 * UNIMPLEMENTED or NOT_FOUND, and when `listServices()` sees a different set of services.
 *
 * Methods are named "package.Service/Method" (a gRPC path, leading slash optional),
 * "package.Service.Method", or with the bare service name when it is unambiguous
 * ("WorkManager/ListWorkers").
 *
 * Errors: a server without reflection is UNIMPLEMENTED, an unknown service or method NOT_FOUND, a
 * client- or bidi-streaming method UNIMPLEMENTED, a request that does not fit the method's input
 * type INVALID_ARGUMENT; the server's own failures keep their codes.
 *
 * @example
 * ```ts
 * await using wm = new ReflectionClient({ host: "localhost", port: 5102 });
 * await wm.listServices();                                   // ["virtufin.WorkManager"]
 * const id = await wm.call("virtufin.WorkManager/CreateWorker", { mimeType: "text/x-python", topic: "t", codeSource: { content: btoa(code) } });
 * for await (const event of wm.stream("virtufin.Gateway/Subscribe", { topic: "t" }, { signal })) console.log(event);
 * ```
 */
export class ReflectionClient implements AsyncDisposable {
  /** The connection the calls use. */
  readonly connection: Connection;
  readonly #owned: boolean;
  #reflected: Promise<ReflectedServer> | undefined;
  #names: readonly string[] | undefined;
  /** The reflection version the server answered in last, tried first next time. */
  #version: ReflectionVersion | undefined;
  readonly #cores = new Map<DescService, ClientCore>();
  #closed = false;

  /**
   * @param target connection options (the client opens and owns a connection; no default port),
   * a Connect transport, a shared {@link Connection}, or anything holding one (an `ApiClient`).
   */
  constructor(target: ClientTarget) {
    if (target instanceof Connection) [this.connection, this.#owned] = [target, false];
    else if (isTransport(target)) [this.connection, this.#owned] = [new Connection(target), true];
    else if (typeof target === "object" && target !== null && "connection" in target && target.connection instanceof Connection) {
      [this.connection, this.#owned] = [target.connection, false];
    } else [this.connection, this.#owned] = [new Connection(target as ConnectionOptions), true];
  }

  /**
   * The server's API services (health and reflection left out), asked anew on every call; when the
   * set differs from the cached one, the cached descriptors are dropped.
   */
  async listServices(options?: CallOptions): Promise<string[]> {
    const { names, version } = await this.#ask(listServiceNames, options);
    this.#version = version;
    const before = this.#names;
    if (before !== undefined && (before.length !== names.length || before.some((name, i) => name !== names[i]))) this.refresh();
    this.#names = names;
    return [...names];
  }

  /** The methods of one service (full or bare name), or of every service, as the Gateway lists them. */
  async listMethods(service?: string, options?: CallOptions): Promise<MethodInfo[]> {
    if (service === undefined) return (await this.#describe(options)).services.flatMap((s) => s.methods.map(methodInfo));
    const found = await this.#lookup((reflected) => findService(reflected, service), `service "${service}"`, options);
    return found.methods.map(methodInfo);
  }

  /** A method's names, kind and the JSON Schemas of its request and response. */
  async describeMethod(method: string, options?: CallOptions): Promise<MethodDescription> {
    const { desc } = await this.#method(method, options);
    return {
      info: methodInfo(desc),
      path: `/${desc.parent.typeName}/${desc.name}`,
      kind: desc.methodKind,
      requestSchema: messageJsonSchema(desc.input),
      responseSchema: messageJsonSchema(desc.output),
    };
  }

  /** Calls a unary method with a proto JSON request (an object) and resolves with the proto JSON response. */
  async call(method: string, request?: unknown, options?: CallOptions): Promise<JsonValue> {
    checkTimeout("timeoutMs", options?.timeoutMs);
    const { desc, reflected } = await this.#method(method, options);
    if (desc.methodKind !== "unary") {
      const hint =
        desc.methodKind === "server_streaming" ? "; use stream()" : "; only unary and server-streaming methods can be called";
      throw new VirtufinError(
        `${pathOf(desc)} is ${kindWords(desc)}${hint}`,
        desc.methodKind === "server_streaming" ? Code.InvalidArgument : Code.Unimplemented,
      );
    }
    const input = parseRequest(desc, request, reflected);
    try {
      const response = await this.#core(desc.parent).unary(desc as DescMethodUnary, input, options);
      return toJson(desc.output, response as Message, { registry: reflected.registry });
    } catch (error) {
      throw this.#failed(error);
    }
  }

  /**
   * Calls a server-streaming method with a proto JSON request; iterating starts the call, leaving
   * the loop (or `signal`) cancels it. Each message comes out as proto JSON.
   */
  stream(method: string, request?: unknown, options?: CallOptions): AsyncIterable<JsonValue> {
    return { [Symbol.asyncIterator]: () => this.#stream(method, request, options) };
  }

  /** {@link stream}'s body: one call per iteration. */
  async *#stream(method: string, request: unknown, options: CallOptions | undefined): AsyncGenerator<JsonValue> {
    checkTimeout("timeoutMs", options?.timeoutMs);
    const { desc, reflected } = await this.#method(method, options);
    if (desc.methodKind !== "server_streaming") {
      const code = desc.methodKind === "unary" ? Code.InvalidArgument : Code.Unimplemented;
      throw new VirtufinError(
        `${pathOf(desc)} is ${kindWords(desc)}; stream() calls server-streaming methods${desc.methodKind === "unary" ? ", use call()" : ""}`,
        code,
      );
    }
    const input = parseRequest(desc, request, reflected);
    try {
      for await (const message of this.#core(desc.parent).serverStream(desc as DescMethodServerStreaming, input, options)) {
        yield toJson(desc.output, message as Message, { registry: reflected.registry });
      }
    } catch (error) {
      throw this.#failed(error);
    }
  }

  /** Drops the cached descriptors; the next call asks the server again. */
  refresh(): void {
    this.#reflected = undefined;
    this.#cores.clear();
  }

  /** Closes the connection if this client opened it. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.refresh();
    if (this.#owned) await this.connection.close();
  }

  /** `await using client = new ReflectionClient(...)` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** The cached descriptors, fetched when there are none. */
  #describe(options: CallOptions | undefined): Promise<ReflectedServer> {
    if (this.#reflected === undefined) {
      const pending = this.#ask(reflectServer, options);
      this.#reflected = pending;
      // A failed reflection is not cached.
      pending.then(
        (r) => {
          this.#names = r.services.map((s) => s.typeName);
          this.#version = r.version;
        },
        () => this.#reflected === pending && (this.#reflected = undefined),
      );
    }
    return this.#reflected;
  }

  /** Finds something in the descriptors, asking the server once more when it is not there. */
  async #lookup<T>(
    find: (reflected: ReflectedServer) => T | undefined,
    what: string,
    options: CallOptions | undefined,
  ): Promise<T> {
    const first = find(await this.#describe(options));
    if (first !== undefined) return first;
    this.refresh();
    const second = find(await this.#describe(options));
    if (second !== undefined) return second;
    throw new VirtufinError(
      `${what} not found on the server (it offers ${(await this.#describe(options)).services.map((s) => s.typeName).join(", ") || "no services"})`,
      Code.NotFound,
    );
  }

  async #method(name: string, options: CallOptions | undefined): Promise<{ desc: DescMethod; reflected: ReflectedServer }> {
    const { service, method } = splitMethodName(name);
    return this.#lookup(
      (reflected) => {
        const desc = findService(reflected, service)?.methods.find((m) => m.name === method);
        return desc && { desc, reflected };
      },
      `method "${name}"`,
      options,
    );
  }

  #core(service: DescService): ClientCore {
    let core = this.#cores.get(service);
    if (!core) {
      // Any service: its requests may use the oneof shorthand.
      core = createClientCore(service, this.connection, undefined, normalizeInit);
      this.#cores.set(service, core);
    }
    return core;
  }

  /** Runs reflection calls within the connection's tracking, the caller's signal and deadline. */
  async #ask<T>(
    run: (transport: Transport, options: ReflectOptions) => Promise<T>,
    options: CallOptions | undefined,
  ): Promise<T> {
    if (this.#closed) throw new VirtufinError("the reflection client is closed", Code.Canceled);
    checkTimeout("timeoutMs", options?.timeoutMs);
    const transport = await this.connection.transport();
    const scope = this.connection.begin(options?.signal);
    try {
      return await run(transport, {
        ...(this.#version ? { version: this.#version } : {}),
        signal: scope.signal,
        timeoutMs: options?.timeoutMs ?? this.connection.timeoutMs,
        ...(options?.headers ? { headers: options.headers } : {}),
      });
    } catch (error) {
      throw VirtufinError.from(error);
    } finally {
      scope.end();
    }
  }

  #failed(error: unknown): VirtufinError {
    const failure = VirtufinError.from(error);
    if (STALE_CODES.has(failure.code)) this.refresh();
    return failure;
  }
}

/** Splits "pkg.Service/Method", "/pkg.Service/Method" or "pkg.Service.Method". */
function splitMethodName(name: string): { service: string; method: string } {
  if (typeof name !== "string")
    throw new VirtufinError(`a method name must be a string, got ${typeof name}`, Code.InvalidArgument);
  const trimmed = name.trim().replace(/^\//, "");
  const cut = trimmed.includes("/") ? trimmed.lastIndexOf("/") : trimmed.lastIndexOf(".");
  const service = trimmed.slice(0, Math.max(cut, 0));
  const method = trimmed.slice(cut + 1);
  if (cut <= 0 || method === "" || !/^[A-Za-z_][\w.]*$/.test(service) || !/^[A-Za-z_]\w*$/.test(method)) {
    throw new VirtufinError(`"${name}" is not a method name; use "package.Service/Method"`, Code.InvalidArgument);
  }
  return { service, method };
}

/** A service by full name, or by bare name when exactly one service has it. */
function findService(reflected: ReflectedServer, name: string): DescService | undefined {
  const exact = reflected.services.find((s) => s.typeName === name);
  if (exact) return exact;
  const bare = reflected.services.filter((s) => s.name === name);
  return bare.length === 1 ? bare[0] : undefined;
}

/** Parses a proto JSON request; anything that does not fit the input type is INVALID_ARGUMENT. */
function parseRequest(method: DescMethod, request: unknown, reflected: ReflectedServer): Message {
  try {
    return fromJson(method.input, (request ?? {}) as JsonValue, { registry: reflected.registry });
  } catch (error) {
    throw new VirtufinError(
      `the request does not fit ${method.input.typeName}: ${error instanceof Error ? error.message : String(error)}`,
      Code.InvalidArgument,
    );
  }
}

const pathOf = (method: DescMethod) => `${method.parent.typeName}/${method.name}`;
const kindWords = (method: DescMethod) => method.methodKind.replace("_", "-");
