/**
 * The Gateway's view of its backends: a pooled gRPC transport per backend and a reflection
 * cache (per backend, with a TTL, invalidated on demand when a call suggests it is stale).
 */
import type { DescMethod, DescService, FileRegistry } from "@bufbuild/protobuf";
import { Code, ConnectError, type Transport } from "@connectrpc/connect";
import { createNodeGrpcTransport, type NodeGrpcTransport } from "@virtufin/sdk/node";
import type { BackendConfig } from "../config/index.js";
import type { Logger } from "../logger.js";
import { MAX_MESSAGE_BYTES, urlHost, type InProcessServer } from "../server/index.js";
import { createInProcessTransport } from "./in-process-transport.js";
import { methodNotFound } from "./method-not-found.js";
import { reflectServer, type ReflectedServer as ReflectedBackend } from "@virtufin/sdk/internal";
import { createTelemetryInterceptor, type Telemetry } from "@virtufin/sdk/internal";

/** Options of {@link Backends}. */
export interface BackendsOptions {
  /** How long a reflection answer is trusted (default 60 s). */
  readonly ttlMs?: number;
  /** Where cache refreshes are logged. */
  readonly log?: Logger;
  /** Tracing: a client span per call to a backend, W3C trace context sent along. */
  readonly telemetry?: Telemetry;
  /**
   * Servers this process hosts, by backend name (the emulator's own WorkManager and
   * WebSocketManager, as startGrpcServer returned them): reached in process, through their own
   * routes and interceptors, instead of over HTTP/2. Every other backend is reached over the network.
   */
  readonly inProcess?: Readonly<Record<string, InProcessServer | undefined>>;
}

/** A method found on a backend. */
export interface ResolvedMethod {
  /** The service declaring it. */
  readonly service: DescService;
  /** The method. */
  readonly method: DescMethod;
  /** The registry of the backend's descriptors. */
  readonly registry: FileRegistry;
  /** The transport to the backend. */
  readonly transport: Transport;
}

interface CacheEntry {
  readonly at: number;
  readonly value: Promise<ReflectedBackend>;
  /** Once reflection answered: its methods by bare name (the first service declaring a name wins, as in resolve). */
  methods?: Map<string, ResolvedMethod>;
}

/** Backends by name, with their transports and reflection cache. */
export class Backends {
  private readonly configs = new Map<string, BackendConfig>();
  private readonly transports = new Map<string, Transport>();
  private readonly sessions: NodeGrpcTransport[] = [];
  private readonly cache = new Map<string, CacheEntry>();
  private readonly ttlMs: number;

  /** Creates the pool for a list of backends. */
  constructor(
    backends: readonly BackendConfig[],
    private readonly options: BackendsOptions = {},
  ) {
    for (const backend of backends) this.configs.set(backend.name, backend);
    this.ttlMs = options.ttlMs ?? 60_000;
  }

  /** The backend configurations, in configuration order. */
  list(): BackendConfig[] {
    return [...this.configs.values()];
  }

  /** The configuration of a backend, or NOT_FOUND. */
  config(name: string): BackendConfig {
    const found = this.configs.get(name);
    if (found === undefined) throw new ConnectError(`unknown service "${name}"`, Code.NotFound);
    return found;
  }

  /** The (pooled) transport to a backend. */
  transport(name: string): Transport {
    const config = this.config(name);
    let transport = this.transports.get(name);
    if (transport === undefined) {
      const telemetry = this.options.telemetry;
      const interceptors = telemetry ? [createTelemetryInterceptor(telemetry, { address: config.host, port: config.port })] : [];
      const local = this.options.inProcess?.[name];
      if (local !== undefined) {
        transport = createInProcessTransport(local, {
          host: config.host,
          port: config.port,
          interceptors,
          readMaxBytes: MAX_MESSAGE_BYTES,
        });
      } else {
        const baseUrl = `${config.tls ? "https" : "http"}://${urlHost(config.host)}:${config.port}`;
        // The SDK's own gRPC transport: the Gateway's second hop of every proxied call costs about
        // half the client CPU of connect-node's (bench/runtime/README.md). close() ends its
        // connection, so a stopping emulator does not wait on idle connections to users' backends.
        const grpc = createNodeGrpcTransport({
          baseUrl,
          readMaxBytes: MAX_MESSAGE_BYTES,
          interceptors,
          ...(config.tls ? { nodeOptions: config.tls } : {}),
        });
        this.sessions.push(grpc);
        transport = grpc;
      }
      this.transports.set(name, transport);
    }
    return transport;
  }

  /** What reflection says about a backend (cached for the TTL). UNAVAILABLE when unreachable. */
  describe(name: string): Promise<ReflectedBackend> {
    const transport = this.transport(name);
    const cached = this.cache.get(name);
    if (cached !== undefined && Date.now() - cached.at < this.ttlMs) return cached.value;
    const value = reflectServer(transport).catch((err: unknown) => {
      this.cache.delete(name);
      const error = ConnectError.from(err);
      const code = error.code === Code.Unimplemented ? Code.FailedPrecondition : Code.Unavailable;
      throw new ConnectError(`cannot reflect service "${name}": ${error.rawMessage}`, code);
    });
    const entry: CacheEntry = { at: Date.now(), value };
    // Indexed once per reflection answer, so that a call finds its method with one map look-up.
    value.then(
      (reflected) => {
        const methods = new Map<string, ResolvedMethod>();
        for (const service of reflected.services)
          for (const method of service.methods)
            if (!methods.has(method.name)) methods.set(method.name, { service, method, registry: reflected.registry, transport });
        entry.methods = methods;
      },
      () => undefined,
    );
    this.cache.set(name, entry);
    this.options.log?.debug("reflecting backend", { service: name });
    return value;
  }

  /** Closes every connection to the backends. */
  close(): void {
    for (const session of this.sessions.splice(0)) session.close();
    this.transports.clear();
    this.cache.clear();
  }

  /** Forgets the reflection answer of a backend, so the next call asks again. */
  invalidate(name: string): void {
    this.cache.delete(name);
  }

  /**
   * The method from the reflection cache, without waiting: undefined when the backend's answer
   * is not cached, expired or does not have the method ({@link resolve} then asks). Every
   * proxied call takes this path; resolving through promises cost several event-loop ticks.
   */
  resolveCached(name: string, methodName: string): ResolvedMethod | undefined {
    const cached = this.cache.get(name);
    if (cached === undefined || Date.now() - cached.at >= this.ttlMs) return undefined;
    return cached.methods?.get(methodName);
  }

  /**
   * Finds a method by its bare RPC name (e.g. "CreateWorker") on a backend. When the cached
   * descriptors do not have it, reflection is asked once more (the backend may have changed).
   */
  async resolve(name: string, methodName: string): Promise<ResolvedMethod> {
    const find = (reflected: ReflectedBackend): ResolvedMethod | undefined => {
      for (const service of reflected.services) {
        const method = service.methods.find((m) => m.name === methodName);
        if (method) return { service, method, registry: reflected.registry, transport: this.transport(name) };
      }
      return undefined;
    };
    const first = find(await this.describe(name));
    if (first) return first;
    this.invalidate(name);
    const described = await this.describe(name);
    const second = find(described);
    if (second) return second;
    const known = described.services.flatMap((service) => service.methods.map((method) => method.name));
    throw methodNotFound(name, methodName, known);
  }
}
