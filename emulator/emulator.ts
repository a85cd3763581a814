/**
 * startEmulator: the whole local platform in one process — Gateway (with State, Pubsub and
 * Config) on gRPC and gRPC-Web, WorkManager and WebSocketManager — on loopback by default.
 */
import { setMaxListeners } from "node:events";
import { Config } from "../generated/virtufin/config_pb.js";
import { Gateway } from "../generated/virtufin/gateway_pb.js";
import { Pubsub } from "../generated/virtufin/pubsub_pb.js";
import { State } from "../generated/virtufin/state_pb.js";
import { WebSocketManager } from "../generated/virtufin/websocketmanager_pb.js";
import { WorkManager } from "../generated/virtufin/workmanager_pb.js";
import {
  createMemoryPubsubBackend,
  createMemoryStateBackend,
  createRedisBackend,
  type GroupLocks,
  type PubsubBackend,
  type RedisBackend,
  type RedisBackendOptions,
  type StateBackend,
} from "./backend/index.js";
import { backendConfig, loadServicesConfig, type BackendAddress, type BackendConfig } from "./config/index.js";
import { Backends, createGatewayService } from "./gateway/index.js";
import { createLogger, type Logger, type LogLevel } from "./logger.js";
import { createWebSocketManagerService, type WebSocketManagerOptions } from "./websocketmanager/index.js";
import { createWorkManagerService, type WorkManagerOptions } from "./workmanager/index.js";
import { ownServerClientOptions, startGrpcServer, urlHost, type RunningServer, type ServerTlsOptions, type ServiceRegistration } from "./server/index.js";
import { createConfigService, createPubsubService, createStateService, StreamCounter, type PubsubServiceOptions, type ServiceContext } from "./services/index.js";

/** The platform's default ports. */
export const DEFAULT_PORTS = { gateway: 5002, grpcWeb: 5003, workmanager: 5102, websocketmanager: 5202 } as const;

/** Which server listens where. */
export interface EmulatorPorts {
  /** Gateway, State, Pubsub, Config over HTTP/2: gRPC, Connect, gRPC-Web (default 5002). */
  readonly gateway?: number;
  /** The same services over HTTP/1.1 for browsers: gRPC-Web and Connect, with CORS (default 5003). */
  readonly grpcWeb?: number;
  /** WorkManager (default 5102). */
  readonly workmanager?: number;
  /** WebSocketManager (default 5202). */
  readonly websocketmanager?: number;
}

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /**
   * Ports: an object per server, or a number. `0` puts every server on a free port (tests); any
   * other number N is a base: Gateway N, gRPC-Web N+1, WorkManager N+100, WebSocketManager N+200.
   */
  readonly ports?: number | EmulatorPorts;
  /** The interface every server binds (default 127.0.0.1). */
  readonly host?: string;
  /** Extra backends of the Gateway by name (a user's own gRPC servers with reflection). */
  readonly services?: Readonly<Record<string, BackendAddress>>;
  /** A services file (YAML or JSON) with more backends. */
  readonly servicesConfigPath?: string;
  /** Api keys by name; when given, every call except health and reflection needs `x-api-key`. */
  readonly apiKeys?: Readonly<Record<string, string>>;
  /** Log level (default "info"); ignored when `logger` is given. */
  readonly logLevel?: LogLevel;
  /** A logger to use instead of the default stderr one. */
  readonly logger?: Logger;
  /** Options passed to the WorkManager (e.g. `allowedCodeHosts`). */
  readonly workmanager?: WorkManagerOptions;
  /** Options passed to the WebSocketManager. */
  readonly websocketmanager?: WebSocketManagerOptions;
  /** Pub/sub subscription limits (idle timeout, buffer). */
  readonly pubsub?: PubsubServiceOptions;
  /** Allowed CORS origins of the gRPC-Web server (default: any). */
  readonly corsOrigins?: readonly string[];
  /** Backends to use instead of the in-memory ones (the seam for a Redis backend). */
  readonly backends?: { readonly pubsub?: PubsubBackend; readonly state?: StateBackend; readonly locks?: GroupLocks };
  /**
   * Where state and pub/sub live: `"memory"` (the default) or `redis://host:port/db`. Several
   * emulators on one Redis form one platform (see emulator/README.md). Ignored for the parts
   * `backends` provides.
   */
  readonly backend?: string;
  /** This replica's id on a shared backend (default: host name, process id and a random suffix). */
  readonly replicaId?: string;
  /** Retention and claim settings of the Redis backend. */
  readonly redis?: Pick<RedisBackendOptions, "maxLen" | "idleExpiryMs" | "claimIdleMs" | "connectTimeoutMs">;
  /** How long the Gateway trusts a backend's reflection answer (default 60 s). */
  readonly reflectionTtlMs?: number;
  /**
   * Serve TLS on every server (HTTP/2 with ALPN h2, HTTPS for gRPC-Web): `{ cert, key }` in PEM,
   * plus `ca` and `requireClientCert: true` for mutual TLS. Addresses then start with `https://`.
   */
  readonly tls?: ServerTlsOptions;
}

/** Where a server listens. */
export interface ServerAddress {
  /** The bound host. */
  readonly host: string;
  /** The bound port. */
  readonly port: number;
  /** `http://host:port` (`https://` with TLS), for Connect transports. */
  readonly url: string;
}

/** A running emulator. */
export interface Emulator {
  /** Where each server listens. */
  readonly addresses: {
    readonly gateway: ServerAddress;
    readonly grpcWeb: ServerAddress;
    readonly workmanager: ServerAddress;
    readonly websocketmanager: ServerAddress;
  };
  /** The Gateway's backends (name, host, port), in ListServices order. */
  readonly services: readonly BackendConfig[];
  /** The pub/sub backend (for in-process inspection). */
  readonly pubsub: PubsubBackend;
  /** The state backend (for in-process inspection). */
  readonly state: StateBackend;
  /** This replica's id on a shared (Redis) backend; undefined in memory. */
  readonly replicaId: string | undefined;
  /** The number of open Pubsub.Subscribe streams. */
  activeSubscriptions(): number;
  /**
   * The number of open event streams (Pubsub.Subscribe, Gateway.Subscribe, WatchSystemEvents);
   * tests wait on it to know a subscription is in place before publishing.
   */
  activeStreams(): number;
  /** Ends every stream normally, closes every server and worker process. Idempotent. */
  stop(): Promise<void>;
}

function resolvePorts(ports: EmulatorOptions["ports"]): Required<EmulatorPorts> {
  if (typeof ports === "number") {
    if (ports === 0) return { gateway: 0, grpcWeb: 0, workmanager: 0, websocketmanager: 0 };
    return { gateway: ports, grpcWeb: ports + 1, workmanager: ports + 100, websocketmanager: ports + 200 };
  }
  return { ...DEFAULT_PORTS, ...(ports ?? {}) } as Required<EmulatorPorts>;
}

/** The host to dial a server bound on `host` (a wildcard bind is dialled on loopback). */
const dialHost = (host: string) => (host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host);

const address = (server: RunningServer): ServerAddress => ({ host: server.host, port: server.port, url: server.url });

/** Connects the Redis backend when `options.backend` names one. */
async function sharedBackend(options: EmulatorOptions, log: Logger): Promise<RedisBackend | undefined> {
  const url = options.backend ?? "memory";
  if (url === "memory") return undefined;
  if (!url.startsWith("redis://")) throw new Error(`backend "${url}" is not supported: use "memory" or redis://host:port/db`);
  return createRedisBackend({ url, log: log.child("redis"), ...(options.replicaId ? { replicaId: options.replicaId } : {}), ...options.redis });
}

/** Starts the emulator; resolves once every server listens. */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const log = options.logger ?? createLogger({ level: options.logLevel ?? "info" });
  const host = options.host ?? "127.0.0.1";
  const ports = resolvePorts(options.ports);
  const apiKeys = options.apiKeys ?? {};
  const shared = await sharedBackend(options, log);
  const pubsub = options.backends?.pubsub ?? shared?.pubsub ?? createMemoryPubsubBackend({ log: log.child("pubsub") });
  const state = options.backends?.state ?? shared?.state ?? createMemoryStateBackend();
  const locks = options.backends?.locks ?? shared?.locks;
  const stopping = new AbortController();
  // Every open stream listens on this signal; many concurrent streams are normal, not a leak.
  setMaxListeners(0, stopping.signal);
  const servers: RunningServer[] = [];
  const managed: { close(): Promise<void> }[] = [];
  let backends: Backends | undefined;

  const teardown = async () => {
    stopping.abort();
    await Promise.allSettled(servers.map((s) => s.close()));
    backends?.close();
    await Promise.allSettled(managed.map((m) => m.close()));
    await pubsub.close();
    await state.close();
    await shared?.close();
  };

  const serve = async (name: string, port: number, services: ServiceRegistration[], protocol: "h2c" | "http1" = "h2c") => {
    try {
      const server = await startGrpcServer({
        services,
        port,
        host,
        apiKeys,
        protocol,
        cors: { origins: options.corsOrigins ?? ["*"] },
        log: log.child(name),
        name,
        ...(options.tls ? { tls: options.tls } : {}),
      });
      servers.push(server);
      return server;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === "EADDRINUSE" ? `port ${port} is already in use` : err instanceof Error ? err.message : String(err);
      throw new Error(`cannot start the ${name} server on ${host}:${port}: ${why}`);
    }
  };

  try {
    const extra: BackendConfig[] = [];
    if (options.servicesConfigPath) extra.push(...(await loadServicesConfig(options.servicesConfigPath)));
    for (const [name, addr] of Object.entries(options.services ?? {})) extra.push(backendConfig(name, addr, "services option"));

    const deps = { pubsub, state, ...(locks ? { locks } : {}) };
    // Emulators sharing a backend follow its worker registry (see WorkManagerOptions.syncIntervalMs).
    const wmOptions = shared ? { syncIntervalMs: 1_000, ...options.workmanager } : options.workmanager;
    const workmanager = createWorkManagerService({ ...deps, log: log.child("workmanager") }, wmOptions);
    managed.push(workmanager);
    const websocketmanager = createWebSocketManagerService({ ...deps, log: log.child("websocketmanager") }, options.websocketmanager);
    managed.push(websocketmanager);
    const wmServer = await serve("workmanager", ports.workmanager, [{ desc: WorkManager, impl: workmanager.impl }]);
    const wsmServer = await serve("websocketmanager", ports.websocketmanager, [{ desc: WebSocketManager, impl: websocketmanager.impl }]);

    // The emulator's own managers are always backends; configured ones may not shadow them.
    // Over TLS the Gateway pins the emulator's own certificate (no CA needed, also with mTLS).
    const ownTls = options.tls ? { tls: ownServerClientOptions(options.tls) } : {};
    const backendList: BackendConfig[] = [
      { name: "workmanager", host: dialHost(host), port: wmServer.port, ...ownTls },
      { name: "websocketmanager", host: dialHost(host), port: wsmServer.port, ...ownTls },
    ];
    for (const backend of extra) {
      const existing = backendList.findIndex((b) => b.name === backend.name);
      if (existing >= 0 && existing < 2) throw new Error(`service name "${backend.name}" is reserved for the emulator's own server`);
      if (existing >= 0) backendList[existing] = backend;
      else backendList.push(backend);
    }
    const pool = new Backends(backendList, { log: log.child("gateway"), ...(options.reflectionTtlMs ? { ttlMs: options.reflectionTtlMs } : {}) });
    backends = pool;

    const streams = new StreamCounter();
    const ctx: ServiceContext = { pubsub, state, log: log.child("api"), stopping: stopping.signal, streams };
    const pubsubService = createPubsubService({ ...ctx, log: log.child("pubsub") }, options.pubsub);
    const apiServices: ServiceRegistration[] = [
      { desc: Gateway, impl: createGatewayService({ ...ctx, log: log.child("gateway") }, pool) },
      { desc: State, impl: createStateService({ ...ctx, log: log.child("state") }) },
      { desc: Pubsub, impl: pubsubService.impl },
      { desc: Config, impl: createConfigService(() => pool.list()) },
    ];
    const gateway = await serve("gateway", ports.gateway, apiServices);
    const grpcWeb = await serve("grpc-web", ports.grpcWeb, apiServices, "http1");

    const names = (list: ServiceRegistration[]) => list.map((s) => s.desc.typeName).join(", ");
    log.info(`Gateway          ${gateway.url}  (gRPC, Connect, gRPC-Web over HTTP/2: ${names(apiServices)})`);
    log.info(`Gateway gRPC-Web ${grpcWeb.url}  (gRPC-Web and Connect over HTTP/1.1, CORS ${(options.corsOrigins ?? ["*"]).join(" ")})`);
    log.info(`WorkManager      ${wmServer.url}  (virtufin.WorkManager)`);
    log.info(`WebSocketManager ${wsmServer.url}  (virtufin.WebSocketManager)`);
    for (const b of backendList.slice(2)) log.info(`backend ${b.name} -> http://${urlHost(b.host)}:${b.port}`);
    const keyNames = Object.keys(apiKeys);
    log.info(keyNames.length > 0 ? `api keys enforced (names: ${keyNames.join(", ")})` : "api keys not configured: every call is allowed");
    log.info("every server also serves grpc.health.v1.Health and grpc.reflection.v1.ServerReflection");
    if (shared) log.info(`state and pub/sub on ${shared.address.display} as replica ${shared.replicaId}`);
    if (options.tls) log.info(options.tls.requireClientCert ? "TLS on every server, client certificates required" : "TLS on every server");

    let stopped: Promise<void> | undefined;
    return {
      addresses: { gateway: address(gateway), grpcWeb: address(grpcWeb), workmanager: address(wmServer), websocketmanager: address(wsmServer) },
      services: backendList,
      pubsub,
      state,
      replicaId: shared?.replicaId,
      activeSubscriptions: pubsubService.activeSubscriptions,
      activeStreams: () => streams.count,
      stop() {
        stopped ??= (async () => {
          log.info("stopping");
          await teardown();
          log.info("stopped");
        })();
        return stopped;
      },
    };
  } catch (err) {
    await teardown();
    throw err;
  }
}
