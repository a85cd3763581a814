/**
 * Options of the emulator's WebSocketManager and their defaults.
 */
import { hostname } from "node:os";

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
  };
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}
