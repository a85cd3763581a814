/**
 * Command-line parsing of `virtufin-emulator` (node:util parseArgs), separate from running it so
 * that the parsing is testable on its own.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { EmulatorOptions } from "./emulator.js";
import type { LogLevel } from "./logger.js";
import { otlpTracesUrl } from "./otlp.js";

/** The `--help` text. */
export const HELP = `virtufin-emulator — a local Virtufin platform on loopback (Gateway, State, Pubsub, Config,
WorkManager, WebSocketManager), speaking gRPC, gRPC-Web and Connect.

Usage: virtufin-emulator [options]

Options:
  --gateway-port <port>           Gateway/State/Pubsub/Config over HTTP/2 (gRPC, Connect, gRPC-Web)
                                  (default 5002; 0 picks a free port)
  --grpc-web-port <port>          the same services over HTTP/1.1 for browsers, with CORS (default 5003)
  --workmanager-port <port>       WorkManager (default 5102)
  --websocketmanager-port <port>  WebSocketManager (default 5202)
  --dapr-port <port>              the Dapr sidecar API subset (publish, state, metadata) over gRPC
                                  (default 50001, Dapr's, or a free port when
                                  --gateway-port is given; 0 picks a free port)
  --app-port <port>               a Dapr app's gRPC port: the emulator asks its AppCallback for its
                                  topic subscriptions and delivers events to OnTopicEvent
  --dapr-app-id <id>              the emulated sidecar's app id (default virtufin-app): the CloudEvent
                                  source of what it publishes and the state namespace of its keys
  --dapr-api-token <token>        require dapr-api-token on every Dapr API call. Also $DAPR_API_TOKEN
  --ui-port <port>                the web UI: services, workers, events, request-reply, state,
                                  WebSocket connections (default 5004, or a free port when
                                  --gateway-port is given; 0 picks a free port)
  --no-ui                         do not serve the web UI
  --host <host>                   interface to bind (default 127.0.0.1)
  --services <file.yaml|json>     extra Gateway backends, e.g.
                                    services:
                                      pricing: { host: 127.0.0.1, port: 6000 }
                                  (default: $SERVICES_CONFIG_PATH if set)
  --api-key <name>=<key>          require x-api-key on every call except health and reflection;
                                  repeatable. Also VIRTUFIN_API_KEYS="name=key,name2=key2"
  --allow-code-host <host>        host WorkManager may fetch worker code from (exact, *.domain or *);
                                  repeatable
  --allow-private-code-host <host[:port]>
                                  a code host that may resolve to a private/loopback address
                                  (tests serving code locally); repeatable
  --allow-websocket-host <host>   host WebSocketManager.Connect may open WebSockets to (exact, *.domain
                                  or *); repeatable (default *: any host with public addresses)
  --allow-private-websocket-host <host[:port]>
                                  a WebSocket host that may be private/loopback; repeatable
                                  (default: localhost, 127.0.0.1, ::1 while --host is loopback,
                                  none otherwise)
  --tls-cert <file.pem>           serve TLS on every server with this certificate (chain)
  --tls-key <file.pem>            the private key of --tls-cert (both or neither)
  --tls-client-ca <file.pem>      require client certificates issued by this CA (mutual TLS)
  --backend <memory|redis://host:port/db>
                                  where state and pub/sub live (default memory). Emulators started
                                  on one Redis form one platform (replicas). Also $VIRTUFIN_BACKEND
  --replica-id <id>               this replica's name on a shared backend (default: host-pid-random)
  --redis-max-len <n>             events kept per topic stream, approximately (default 10000)
  --redis-claim-idle-ms <ms>      a worker event pending this long on a dead replica is taken over
                                  by another (default 5000)
  --log-level <level>             debug | info | warn | error | silent (default info)
  --otlp-endpoint <url>           export traces over OTLP/HTTP to this collector (<url>/v1/traces);
                                  also OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT.
                                  Default: no export. Needs the optional OpenTelemetry packages
  -h, --help                      show this help

Every server also serves grpc.health.v1.Health and gRPC server reflection (v1 and v1alpha).
Stop with Ctrl-C (SIGINT) or SIGTERM: open streams end cleanly, worker processes are stopped.
`;

/** A command-line error (exit status 2). */
export class UsageError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** What the command line asks for. */
export type CliCommand =
  | { readonly help: true }
  | {
      readonly help: false;
      readonly options: EmulatorOptions;
      /** Where to export traces over OTLP/HTTP; undefined: nowhere. */
      readonly otlpTracesUrl?: string;
    };

const LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error", "silent"];

function port(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) > 65535)
    throw new UsageError(`${flag} must be a port number between 0 and 65535, not "${value}"`);
  return Number(value);
}

function count(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`${flag} must be a positive whole number, not "${value}"`);
  return Number(value);
}

function apiKey(entry: string, where: string): [string, string] {
  const eq = entry.indexOf("=");
  const name = entry.slice(0, eq).trim();
  const key = entry.slice(eq + 1);
  // The message names the problem, never the key text itself.
  if (eq <= 0 || name === "" || key === "") throw new UsageError(`${where} must look like name=key`);
  if (!/^[A-Za-z0-9_.-]+$/.test(name))
    throw new UsageError(`${where}: key name "${name}" may only contain letters, digits, "_", "-" and "."`);
  return [name, key];
}

/** Parses argv (without node and script) and the environment. Throws UsageError on bad input. */
export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        "gateway-port": { type: "string" },
        "grpc-web-port": { type: "string" },
        "workmanager-port": { type: "string" },
        "websocketmanager-port": { type: "string" },
        "dapr-port": { type: "string" },
        "app-port": { type: "string" },
        "dapr-app-id": { type: "string" },
        "dapr-api-token": { type: "string" },
        "ui-port": { type: "string" },
        "no-ui": { type: "boolean" },
        host: { type: "string" },
        services: { type: "string" },
        "api-key": { type: "string", multiple: true },
        "allow-code-host": { type: "string", multiple: true },
        "allow-private-code-host": { type: "string", multiple: true },
        "allow-websocket-host": { type: "string", multiple: true },
        "allow-private-websocket-host": { type: "string", multiple: true },
        "tls-cert": { type: "string" },
        "tls-key": { type: "string" },
        "tls-client-ca": { type: "string" },
        "log-level": { type: "string" },
        "otlp-endpoint": { type: "string" },
        backend: { type: "string" },
        "replica-id": { type: "string" },
        "redis-max-len": { type: "string" },
        "redis-claim-idle-ms": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const v = parsed.values;
  if (v.help) return { help: true };

  const level = v["log-level"] ?? "info";
  if (!LEVELS.includes(level as LogLevel))
    throw new UsageError(`--log-level must be one of ${LEVELS.join(", ")}, not "${level}"`);
  if (v.host !== undefined && v.host.trim() === "") throw new UsageError("--host must not be empty");

  const apiKeys: Record<string, string> = {};
  const fromEnv = env["VIRTUFIN_API_KEYS"];
  if (fromEnv)
    for (const entry of fromEnv.split(",").filter((e) => e.trim() !== "")) {
      const [name, key] = apiKey(entry.trim(), "VIRTUFIN_API_KEYS entry");
      apiKeys[name] = key;
    }
  for (const entry of v["api-key"] ?? []) {
    const [name, key] = apiKey(entry, "--api-key");
    apiKeys[name] = key;
  }

  const ports = {
    gateway: port("--gateway-port", v["gateway-port"]) ?? 5002,
    grpcWeb: port("--grpc-web-port", v["grpc-web-port"]) ?? 5003,
    workmanager: port("--workmanager-port", v["workmanager-port"]) ?? 5102,
    websocketmanager: port("--websocketmanager-port", v["websocketmanager-port"]) ?? 5202,
  };
  const uiPort = port("--ui-port", v["ui-port"]);
  if (v["no-ui"] && uiPort !== undefined) throw new UsageError("--ui-port and --no-ui go against each other");
  const servicesConfigPath = v.services ?? (env["SERVICES_CONFIG_PATH"] || undefined);
  const hosts = v["allow-code-host"] ?? [];
  for (const h of hosts) if (h.trim() === "") throw new UsageError("--allow-code-host must not be empty");
  const privateHosts = v["allow-private-code-host"] ?? [];
  for (const h of privateHosts) if (h.trim() === "") throw new UsageError("--allow-private-code-host must not be empty");
  const workmanager = {
    ...(hosts.length > 0 ? { allowedCodeHosts: hosts } : {}),
    ...(privateHosts.length > 0 ? { allowPrivateCodeHosts: privateHosts } : {}),
  };
  const wsHosts = v["allow-websocket-host"] ?? [];
  for (const h of wsHosts) if (h.trim() === "") throw new UsageError("--allow-websocket-host must not be empty");
  const wsPrivateHosts = v["allow-private-websocket-host"] ?? [];
  for (const h of wsPrivateHosts) if (h.trim() === "") throw new UsageError("--allow-private-websocket-host must not be empty");
  const websocketmanager = {
    ...(wsHosts.length > 0 ? { allowedHosts: wsHosts } : {}),
    ...(wsPrivateHosts.length > 0 ? { allowPrivateHosts: wsPrivateHosts } : {}),
  };
  const tls = tlsOptions(v["tls-cert"], v["tls-key"], v["tls-client-ca"]);
  // Like the UI: Dapr's own port by default, a free one when the platform's ports are chosen
  // (several emulators on one machine, as replicas or in tests, must not fight over 50001).
  const daprPort = port("--dapr-port", v["dapr-port"]) ?? (v["gateway-port"] === undefined ? 50001 : 0);
  const appPort = port("--app-port", v["app-port"]);
  if (appPort === 0) throw new UsageError("--app-port must be the app's port, not 0");
  const appId = v["dapr-app-id"];
  if (appId !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(appId))
    throw new UsageError(`--dapr-app-id may only contain letters, digits, "_", "-" and ".", not "${appId}"`);
  // The message names the problem, never the token.
  const apiToken = v["dapr-api-token"] ?? (env["DAPR_API_TOKEN"] || undefined);
  if (apiToken !== undefined && apiToken.trim() === "") throw new UsageError("--dapr-api-token must not be empty");
  const dapr = {
    ...(appPort !== undefined ? { appPort } : {}),
    ...(appId !== undefined ? { appId } : {}),
    ...(apiToken !== undefined ? { apiToken } : {}),
  };
  let tracesUrl: string | undefined;
  try {
    tracesUrl = otlpTracesUrl(v["otlp-endpoint"], env);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const backend = v.backend ?? (env["VIRTUFIN_BACKEND"] || undefined);
  if (backend !== undefined && backend !== "memory" && !backend.startsWith("redis://")) {
    throw new UsageError(`--backend must be "memory" or redis://host:port/db, not "${backend}"`);
  }
  const replicaId = v["replica-id"];
  if (replicaId !== undefined && !/^[A-Za-z0-9_.:-]{1,64}$/.test(replicaId)) {
    throw new UsageError('--replica-id may only contain letters, digits, "_", "-", "." and ":" (at most 64)');
  }
  const maxLen = count("--redis-max-len", v["redis-max-len"]);
  const claimIdleMs = count("--redis-claim-idle-ms", v["redis-claim-idle-ms"]);
  const redis = { ...(maxLen !== undefined ? { maxLen } : {}), ...(claimIdleMs !== undefined ? { claimIdleMs } : {}) };

  return {
    help: false,
    options: {
      ports,
      host: v.host ?? "127.0.0.1",
      // Beside the platform's default ports; when the Gateway's port is chosen, a free one, so
      // that emulators started on other ports (tests, several at once) never fight over 5004.
      uiPort: v["no-ui"] ? false : (uiPort ?? (v["gateway-port"] === undefined ? 5004 : 0)),
      logLevel: level as LogLevel,
      ...(Object.keys(apiKeys).length > 0 ? { apiKeys } : {}),
      ...(servicesConfigPath ? { servicesConfigPath } : {}),
      ...(Object.keys(workmanager).length > 0 ? { workmanager } : {}),
      ...(Object.keys(websocketmanager).length > 0 ? { websocketmanager } : {}),
      ...(tls ? { tls } : {}),
      daprPort,
      ...(Object.keys(dapr).length > 0 ? { dapr } : {}),
      ...(backend !== undefined ? { backend } : {}),
      ...(replicaId !== undefined ? { replicaId } : {}),
      ...(Object.keys(redis).length > 0 ? { redis } : {}),
    },
    ...(tracesUrl ? { otlpTracesUrl: tracesUrl } : {}),
  };
}

/** Reads the TLS files: cert and key together, a client CA only with them. */
function tlsOptions(cert: string | undefined, key: string | undefined, clientCa: string | undefined): EmulatorOptions["tls"] {
  if (cert === undefined && key === undefined) {
    if (clientCa !== undefined) throw new UsageError("--tls-client-ca needs --tls-cert and --tls-key");
    return undefined;
  }
  if (cert === undefined || key === undefined) throw new UsageError("--tls-cert and --tls-key go together");
  return {
    cert: readPem("--tls-cert", cert),
    key: readPem("--tls-key", key),
    ...(clientCa !== undefined ? { ca: readPem("--tls-client-ca", clientCa), requireClientCert: true } : {}),
  };
}

function readPem(flag: string, path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new UsageError(`${flag}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  // The message names the file, never its content (a key).
  if (!text.includes("-----BEGIN ")) throw new UsageError(`${flag}: ${path} is not a PEM file`);
  return text;
}
