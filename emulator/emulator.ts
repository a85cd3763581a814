/**
 * startEmulator: the whole local platform in one process — Gateway (with State, Pubsub and
 * Config) on gRPC and gRPC-Web, WorkManager and WebSocketManager — on loopback by default.
 */
import { setMaxListeners } from "node:events";
import { Config } from "@virtufin/sdk/gen/virtufin/config_pb";
import { InspectorService } from "@virtufin/sdk/gen/virtufin/emulator/v1/inspector_pb";
import { Gateway } from "@virtufin/sdk/gen/virtufin/gateway_pb";
import { Pubsub } from "@virtufin/sdk/gen/virtufin/pubsub_pb";
import { State } from "@virtufin/sdk/gen/virtufin/state_pb";
import { WebSocketManager } from "@virtufin/sdk/gen/virtufin/websocketmanager_pb";
import { WorkManager } from "@virtufin/sdk/gen/virtufin/workmanager_pb";
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
import { isLoopbackHost } from "@virtufin/sdk/internal";
import { createWebSocketManagerService, type WebSocketManagerOptions } from "./websocketmanager/index.js";
import { createWorkManagerService, type WorkManagerOptions } from "./workmanager/index.js";
import { Dapr } from "@virtufin/sdk/gen/dapr/proto/runtime/v1/dapr_pb";
import { createDaprSidecar, DEFAULT_DAPR_PORT, type DaprSidecarOptions } from "./dapr/index.js";
import type { Interceptor } from "@connectrpc/connect";
import { createInspectorService, EventHistory } from "./inspector/index.js";
import {
  ownServerClientOptions,
  startGrpcServer,
  startUiServer,
  urlHost,
  type RunningServer,
  type RunningUiServer,
  type ServerTlsOptions,
  type ServiceRegistration,
} from "./server/index.js";
import { loadTelemetry, type TracerProviderLike } from "@virtufin/sdk/internal";
import {
  createConfigService,
  createPubsubService,
  createStateService,
  StreamCounter,
  type PubsubServiceOptions,
  type ServiceContext,
} from "./services/index.js";

/** The platform's default ports, and the emulator's web UI beside them. */
export const DEFAULT_PORTS = { gateway: 5002, grpcWeb: 5003, ui: 5004, workmanager: 5102, websocketmanager: 5202 } as const;

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
  /** The web UI (default 5004); `uiPort` overrides it. */
  readonly ui?: number;
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
  /**
   * The port of the Dapr sidecar API (`dapr.proto.runtime.v1.Dapr`, see emulator/README.md):
   * by default Dapr's 50001 when `ports` is omitted, else a free port; 0 picks a free port.
   */
  readonly daprPort?: number;
  /** The emulated sidecar: app id, `dapr-api-token`, and the app port to deliver subscriptions to. */
  readonly dapr?: DaprSidecarOptions;
  /**
   * OpenTelemetry: a server span per RPC on every server continuing the caller's trace, the
   * Gateway's hop to a backend, pub/sub delivery, workers' processing and replies (needs
   * `@opentelemetry/api`, loaded only then). Default: no tracing.
   */
  readonly tracerProvider?: TracerProviderLike;
  /**
   * The web UI's port (default: beside the Gateway, 5004; with `ports: 0` a free one; with a
   * base N, N+2), `0` for a free one, or `false` for no UI. It binds `host` like every server.
   */
  readonly uiPort?: number | false;
  /** The folder of the built UI (default: the package's `dist/emulator-ui/`). */
  readonly uiDir?: string;
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

/** A running emulator; `await using emulator = await startEmulator(...)` stops it at scope end. */
export interface Emulator extends AsyncDisposable {
  /** Where each server listens. */
  readonly addresses: {
    readonly gateway: ServerAddress;
    readonly grpcWeb: ServerAddress;
    readonly workmanager: ServerAddress;
    readonly websocketmanager: ServerAddress;
    /** The Dapr sidecar API. */
    readonly dapr: ServerAddress;
  };
  /** The emulated Dapr sidecar. */
  readonly dapr: {
    /** Its app id (the default CloudEvent source and the state namespace of its keys). */
    readonly appId: string;
    /** The topics of the app's subscriptions being delivered (empty until the app has answered, or without an app). */
    appTopics(): readonly string[];
  };
  /**
   * The web UI (open `url` in a browser; plain HTTP, its page calls the gRPC-Web server), or
   * undefined with `uiPort: false`.
   */
  readonly ui: ServerAddress | undefined;
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
    if (ports === 0) return { gateway: 0, grpcWeb: 0, ui: 0, workmanager: 0, websocketmanager: 0 };
    return { gateway: ports, grpcWeb: ports + 1, ui: ports + 2, workmanager: ports + 100, websocketmanager: ports + 200 };
  }
  return { ...DEFAULT_PORTS, ...(ports ?? {}) };
}

/** The host to dial a server bound on `host` (a wildcard bind is dialled on loopback). */
const dialHost = (host: string) => (host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host);

const address = (server: RunningServer): ServerAddress => ({ host: server.host, port: server.port, url: server.url });

/** Connects the Redis backend when `options.backend` names one. */
async function sharedBackend(options: EmulatorOptions, log: Logger): Promise<RedisBackend | undefined> {
  const url = options.backend ?? "memory";
  if (url === "memory") return undefined;
  if (!url.startsWith("redis://")) throw new Error(`backend "${url}" is not supported: use "memory" or redis://host:port/db`);
  return createRedisBackend({
    url,
    log: log.child("redis"),
    ...(options.replicaId ? { replicaId: options.replicaId } : {}),
    ...options.redis,
  });
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
  const telemetry = options.tracerProvider ? await loadTelemetry({ tracerProvider: options.tracerProvider }) : undefined;
  const stopping = new AbortController();
  // Every open stream listens on this signal; many concurrent streams are normal, not a leak.
  setMaxListeners(0, stopping.signal);
  const servers: RunningServer[] = [];
  const managed: { close(): Promise<void> }[] = [];
  let backends: Backends | undefined;
  let ui: RunningUiServer | undefined;
  // Records every bus event from the start, so the UI also shows what happened before it opened.
  const history = new EventHistory(pubsub);

  const teardown = async () => {
    stopping.abort();
    history.close();
    await Promise.allSettled([...servers.map((s) => s.close()), ui?.close()]);
    backends?.close();
    await Promise.allSettled(managed.map((m) => m.close()));
    await pubsub.close();
    await state.close();
    await shared?.close();
  };

  // The UI's own origins are allowed by the gRPC-Web server even when CORS is restricted.
  let corsOrigins = options.corsOrigins ?? ["*"];
  const serve = async (
    name: string,
    port: number,
    services: ServiceRegistration[],
    protocol: "h2c" | "http1" = "h2c",
    auth: { apiKeys: Readonly<Record<string, string>>; interceptors?: readonly Interceptor[] } = { apiKeys },
  ) => {
    try {
      const server = await startGrpcServer({
        services,
        port,
        host,
        apiKeys: auth.apiKeys,
        ...(auth.interceptors ? { interceptors: auth.interceptors } : {}),
        protocol,
        cors: { origins: corsOrigins },
        log: log.child(name),
        name,
        ...(options.tls ? { tls: options.tls } : {}),
        ...(telemetry ? { telemetry } : {}),
      });
      servers.push(server);
      return server;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === "EADDRINUSE" ? `port ${port} is already in use` : err instanceof Error ? err.message : String(err);
      throw new Error(`cannot start the ${name} server on ${host}:${port}: ${why}`, { cause: err });
    }
  };

  try {
    const extra: BackendConfig[] = [];
    if (options.servicesConfigPath) extra.push(...(await loadServicesConfig(options.servicesConfigPath)));
    for (const [name, addr] of Object.entries(options.services ?? {})) extra.push(backendConfig(name, addr, "services option"));

    let grpcWebPort = 0;
    if (options.uiPort !== false) {
      const uiPort = options.uiPort ?? ports.ui;
      try {
        ui = await startUiServer({
          port: uiPort,
          host,
          ...(options.uiDir ? { dir: options.uiDir } : {}),
          config: () => ({ grpcWebPort, tls: options.tls !== undefined, apiKeyRequired: Object.keys(apiKeys).length > 0 }),
          log: log.child("ui"),
        });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new Error(
          `cannot start the web UI on ${host}:${uiPort}: ${code === "EADDRINUSE" ? `port ${uiPort} is already in use (--ui-port picks another, --no-ui turns it off)` : String(err)}`,
          { cause: err },
        );
      }
      if (!corsOrigins.includes("*")) {
        const names = new Set(["127.0.0.1", "localhost", "[::1]", urlHost(dialHost(host))]);
        corsOrigins = [...corsOrigins, ...[...names].map((name) => `http://${name}:${ui!.port}`)];
      }
    }

    const deps = { pubsub, state, ...(locks ? { locks } : {}), ...(telemetry ? { telemetry } : {}) };
    // Emulators sharing a backend follow its worker registry (see WorkManagerOptions.syncIntervalMs).
    const wmOptions = shared ? { syncIntervalMs: 1_000, ...options.workmanager } : options.workmanager;
    const workmanager = createWorkManagerService({ ...deps, log: log.child("workmanager") }, wmOptions);
    managed.push(workmanager);
    // Loopback WebSocket targets are allowed by default only while the emulator itself listens on
    // loopback: then every caller is on this machine already and gains no reach through it.
    const wsmOptions = isLoopbackHost(host) ? options.websocketmanager : { allowPrivateHosts: [], ...options.websocketmanager };
    const websocketmanager = createWebSocketManagerService({ ...deps, log: log.child("websocketmanager") }, wsmOptions);
    managed.push(websocketmanager);
    const wmServer = await serve("workmanager", ports.workmanager, [{ desc: WorkManager, impl: workmanager.impl }]);
    const wsmServer = await serve("websocketmanager", ports.websocketmanager, [
      { desc: WebSocketManager, impl: websocketmanager.impl },
    ]);

    // The emulator's own managers are always backends; configured ones may not shadow them.
    // Over TLS the Gateway pins the emulator's own certificate (no CA needed, also with mTLS).
    const ownTls = options.tls ? { tls: ownServerClientOptions(options.tls) } : {};
    const backendList: BackendConfig[] = [
      { name: "workmanager", host: dialHost(host), port: wmServer.port, ...ownTls },
      { name: "websocketmanager", host: dialHost(host), port: wsmServer.port, ...ownTls },
    ];
    for (const backend of extra) {
      const existing = backendList.findIndex((b) => b.name === backend.name);
      if (existing >= 0 && existing < 2)
        throw new Error(`service name "${backend.name}" is reserved for the emulator's own server`);
      if (existing >= 0) backendList[existing] = backend;
      else backendList.push(backend);
    }
    const pool = new Backends(backendList, {
      log: log.child("gateway"),
      ...(options.reflectionTtlMs ? { ttlMs: options.reflectionTtlMs } : {}),
      ...(telemetry ? { telemetry } : {}),
      // Its own servers in process (not over TLS, see InProcessServer); configured backends never.
      inProcess: { workmanager: wmServer.inProcess, websocketmanager: wsmServer.inProcess },
    });
    backends = pool;

    const streams = new StreamCounter();
    const ctx: ServiceContext = {
      pubsub,
      state,
      log: log.child("api"),
      stopping: stopping.signal,
      streams,
      ...(telemetry ? { telemetry } : {}),
    };
    const pubsubService = createPubsubService({ ...ctx, log: log.child("pubsub") }, options.pubsub);
    const apiServices: ServiceRegistration[] = [
      { desc: Gateway, impl: createGatewayService({ ...ctx, log: log.child("gateway") }, pool) },
      { desc: State, impl: createStateService({ ...ctx, log: log.child("state") }) },
      { desc: Pubsub, impl: pubsubService.impl },
      { desc: Config, impl: createConfigService(() => pool.list()) },
      // Emulator-only: what the web UI shows beyond the platform's APIs.
      {
        desc: InspectorService,
        impl: createInspectorService({ ...ctx, log: log.child("inspector") }, { history, workmanager, websocketmanager }),
      },
    ];
    const gateway = await serve("gateway", ports.gateway, apiServices);
    const grpcWeb = await serve("grpc-web", ports.grpcWeb, apiServices, "http1");
    grpcWebPort = grpcWeb.port;

    // The Dapr sidecar API authenticates with its own dapr-api-token, not the platform's keys.
    const sidecar = createDaprSidecar({ pubsub, state, log: log.child("dapr"), defaultAppHost: dialHost(host) }, options.dapr);
    managed.push(sidecar);
    // Dapr's own port only with the platform's default ports: with ports chosen by the caller
    // (tests run many emulators at once) a fixed 50001 would collide.
    const daprPort = options.daprPort ?? (options.ports === undefined ? DEFAULT_DAPR_PORT : 0);
    const daprServer = await serve("dapr", daprPort, [{ desc: Dapr, impl: sidecar.impl }], "h2c", {
      apiKeys: {},
      interceptors: sidecar.interceptors,
    });
    sidecar.app?.start();

    const names = (list: ServiceRegistration[]) => list.map((s) => s.desc.typeName).join(", ");
    log.info(`Gateway          ${gateway.url}  (gRPC, Connect, gRPC-Web over HTTP/2: ${names(apiServices)})`);
    log.info(`Gateway gRPC-Web ${grpcWeb.url}  (gRPC-Web and Connect over HTTP/1.1, CORS ${corsOrigins.join(" ")})`);
    log.info(`WorkManager      ${wmServer.url}  (virtufin.WorkManager)`);
    log.info(`WebSocketManager ${wsmServer.url}  (virtufin.WebSocketManager)`);
    log.info(
      `Dapr sidecar API ${daprServer.url}  (dapr.proto.runtime.v1.Dapr subset, app id ${sidecar.appId}${options.dapr?.apiToken ? ", dapr-api-token enforced" : ""})`,
    );
    if (sidecar.app)
      log.info(
        `Dapr app         ${urlHost(options.dapr?.appHost ?? dialHost(host))}:${options.dapr?.appPort} (AppCallback: subscriptions delivered to OnTopicEvent)`,
      );
    if (ui) log.info(`Web UI           ${ui.url}  (open in a browser)`);
    for (const b of backendList.slice(2)) log.info(`backend ${b.name} -> http://${urlHost(b.host)}:${b.port}`);
    const keyNames = Object.keys(apiKeys);
    log.info(
      keyNames.length > 0
        ? `api keys enforced (names: ${keyNames.join(", ")})`
        : "api keys not configured: every call is allowed",
    );
    log.info("every server also serves grpc.health.v1.Health and grpc.reflection.v1.ServerReflection (and v1alpha)");
    if (shared) log.info(`state and pub/sub on ${shared.address.display} as replica ${shared.replicaId}`);
    if (options.tls)
      log.info(options.tls.requireClientCert ? "TLS on every server, client certificates required" : "TLS on every server");

    let stopped: Promise<void> | undefined;
    const emulator: Emulator = {
      addresses: {
        gateway: address(gateway),
        grpcWeb: address(grpcWeb),
        workmanager: address(wmServer),
        websocketmanager: address(wsmServer),
        dapr: address(daprServer),
      },
      dapr: { appId: sidecar.appId, appTopics: () => (sidecar.app?.subscriptions ?? []).map((sub) => sub.topic) },
      ui: ui ? { host: ui.host, port: ui.port, url: ui.url } : undefined,
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
      [Symbol.asyncDispose]: () => emulator.stop(),
    };
    return emulator;
  } catch (err) {
    await teardown();
    throw err;
  }
}
