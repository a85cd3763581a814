/**
 * The emulator's WebSocketManager: outbound WebSocket connections (the `ws` package) with
 * auto-reconnect, frame publishing, raw and correlated sends, and tags. See README.md here.
 */
import type { ServiceImpl } from "@connectrpc/connect";
import type { PubsubBackend, StateBackend } from "../backend/types.js";
import type { Logger } from "../logger.js";
import type { WebSocketManager } from "@virtufin/sdk/gen/virtufin/websocketmanager_pb";
import { resolveWebSocketManagerOptions, type WebSocketManagerOptions } from "./options.js";
import { WebSocketManagerCore } from "./service.js";
import type { ManagedConnection } from "./connection.js";

export { LOOPBACK_WEBSOCKET_HOSTS, type WebSocketManagerOptions } from "./options.js";
export type { Resolver } from "../workmanager/address-guard.js";
export { MAX_WEBSOCKET_REDIRECTS } from "./guard.js";
export { FRAME_EVENT_TYPE, WSM_LIFECYCLE_TOPIC, WSM_LIFECYCLE_TYPE_PREFIX, type ConnectionState } from "./events.js";
export { MAX_TAGS, MAX_TAG_KEY, MAX_TAG_VALUE } from "./tags.js";

/** A running WebSocketManager service: its Connect implementation and its shutdown. */
export interface WebSocketManagerService {
  /** The implementation to register with a Connect router. */
  readonly impl: ServiceImpl<typeof WebSocketManager>;
  /** Closes every connection (no reconnects afterwards). */
  close(): Promise<void>;
  /** The connections, oldest first, for the emulator's inspector. */
  connections(): readonly ManagedConnection[];
}

/**
 * Creates the WebSocketManager. `state` is accepted for symmetry with the other services;
 * connections live in memory only (see README.md).
 */
export function createWebSocketManagerService(
  deps: { pubsub: PubsubBackend; state: StateBackend; log: Logger },
  options?: WebSocketManagerOptions,
): WebSocketManagerService {
  const core = new WebSocketManagerCore(deps, resolveWebSocketManagerOptions(options));
  return { impl: core.impl, close: () => core.close(), connections: () => core.connectionList() };
}
