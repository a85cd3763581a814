/**
 * Options of the emulator's WebSocketManager and their defaults.
 */
import { hostname } from "node:os";
import { systemResolver, type Resolver } from "../workmanager/address-guard.js";

/**
 * The hosts that may be loopback by default: loopback named literally. A name that merely
 * resolves to loopback, and every other private, link-local or metadata address, is refused.
 */
export const LOOPBACK_WEBSOCKET_HOSTS: readonly string[] = ["localhost", "127.0.0.1", "::1"];

/** How the WebSocketManager connects and reconnects. Every field is optional. */
export interface WebSocketManagerOptions {
  /** First reconnect delay; attempt n waits `base × 2^(n-1)`, capped at the max (default 1,000 ms). */
  readonly reconnectBaseDelayMs?: number;
  /** The cap of the reconnect delay (default 30,000 ms). */
  readonly reconnectMaxDelayMs?: number;
  /** Reconnect attempts after a drop before giving up; 0 = keep trying (default 0). */
  readonly reconnectMaxAttempts?: number;
  /** Time limit of the WebSocket opening handshake, and of Connect waiting for it (default 10,000 ms). */
  readonly connectTimeoutMs?: number;
  /** Send's reply timeout when the request gives none (default 5,000 ms). */
  readonly defaultSendTimeoutMs?: number;
  /** This instance's id, reported as instance_id (default: $HOSTNAME or the host name). */
  readonly instanceId?: string;
  /**
   * Hosts Connect may open WebSockets to: exact names, `*.example.com` or `*` (default `["*"]`:
   * any host whose addresses are public).
   */
  readonly allowedHosts?: readonly string[];
  /**
   * Where private, loopback, link-local and metadata addresses are allowed: `true` everywhere, or
   * the hosts (`name` or `name:port`, as written in the URL) that may be private; each redirect
   * hop is judged on its own. Default {@link LOOPBACK_WEBSOCKET_HOSTS} (the emulator passes `[]`
   * when it listens on a non-loopback interface, so remote callers gain no reach into it).
   */
  readonly allowPrivateHosts?: boolean | readonly string[];
  /** How host names are resolved (default: the system resolver; tests stub it). */
  readonly resolve?: Resolver;
}

/** The options with every default filled in. */
export type ResolvedWebSocketManagerOptions = Required<WebSocketManagerOptions>;

/** Fills in the defaults of {@link WebSocketManagerOptions}. */
export function resolveWebSocketManagerOptions(options: WebSocketManagerOptions = {}): ResolvedWebSocketManagerOptions {
  return {
    reconnectBaseDelayMs: positive(options.reconnectBaseDelayMs, 1_000),
    reconnectMaxDelayMs: positive(options.reconnectMaxDelayMs, 30_000),
    reconnectMaxAttempts: Math.max(0, Math.floor(options.reconnectMaxAttempts ?? 0)),
    connectTimeoutMs: positive(options.connectTimeoutMs, 10_000),
    defaultSendTimeoutMs: positive(options.defaultSendTimeoutMs, 5_000),
    instanceId: options.instanceId ?? process.env["HOSTNAME"] ?? hostname(),
    allowedHosts: options.allowedHosts ?? ["*"],
    allowPrivateHosts: options.allowPrivateHosts ?? LOOPBACK_WEBSOCKET_HOSTS,
    resolve: options.resolve ?? systemResolver,
  };
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}
