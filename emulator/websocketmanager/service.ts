/**
 * The WebSocketManager RPCs over a registry of managed connections.
 */
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { randomUUID } from "node:crypto";
import type { PubsubBackend } from "../backend/types.js";
import type { Logger } from "../logger.js";
import { WebSocketManager } from "@virtufin/sdk/gen/virtufin/websocketmanager_pb";
import { ManagedConnection } from "./connection.js";
import { WebSocketRefusal } from "./guard.js";
import { WsmEvents, redactUrl } from "./events.js";
import type { ResolvedWebSocketManagerOptions } from "./options.js";
import { matchesFilters, mergeTags } from "./tags.js";

/** The WebSocketManager: RPC implementation plus shutdown. */
export class WebSocketManagerCore {
  private readonly connections = new Map<string, ManagedConnection>();
  private readonly events: WsmEvents;
  private closed = false;

  /** Creates the service. */
  constructor(
    deps: { readonly pubsub: PubsubBackend; readonly log: Logger },
    private readonly options: ResolvedWebSocketManagerOptions,
    private readonly log: Logger = deps.log,
  ) {
    this.events = new WsmEvents(deps.pubsub, options.instanceId, deps.log, () => this.closed);
  }

  /** The connections, oldest first (for the emulator's inspector; read-only use). */
  connectionList(): readonly ManagedConnection[] {
    return [...this.connections.values()];
  }

  /** The Connect service implementation. */
  readonly impl: ServiceImpl<typeof WebSocketManager> = {
    connect: async (req) => {
      if (this.closed) throw new ConnectError("the WebSocketManager is shutting down", Code.Unavailable);
      const url = parseWsUrl(req.url);
      const tags = mergeTags(new Map(), req.tags);
      const id = randomUUID();
      const connection = new ManagedConnection(id, url, req.autoReconnect, tags, this.events, this.options, this.log);
      this.connections.set(id, connection);
      const failure = await connection.firstOutcome;
      if (failure instanceof WebSocketRefusal) {
        // Refused by the address guard before connecting: final, whatever auto_reconnect says.
        connection.disconnect();
        this.connections.delete(id);
        throw new ConnectError(failure.message, Code.InvalidArgument);
      }
      if (failure && !req.autoReconnect) {
        connection.disconnect();
        this.connections.delete(id);
        throw new ConnectError(`Could not connect to ${connection.safeUrl}: ${failure.message}`, Code.Unavailable);
      }
      this.log.info("websocket connected", { id, url: connection.safeUrl, status: connection.status });
      // A first attempt that failed with auto_reconnect is retried (the close that schedules it
      // may not have been seen yet, so say so rather than "connecting").
      return { id, status: failure && connection.status !== "disconnected" ? "reconnecting" : connection.status };
    },

    list: async (req) => ({
      connections: [...this.connections.values()]
        .filter((connection) => matchesFilters(connection.tags, req.filters))
        .map((connection) => ({
          id: connection.id,
          url: connection.url,
          status: connection.status,
          topic: connection.topic,
          instanceId: this.options.instanceId,
          contentType: connection.contentType,
          tags: Object.fromEntries(connection.tags),
        })),
    }),

    disconnect: async (req) => {
      const connection = this.find(req.id);
      this.connections.delete(connection.id);
      connection.disconnect();
      this.log.info("websocket disconnected", { id: connection.id });
      return {};
    },

    startPublish: async (req) => {
      const connection = this.find(req.id);
      if (req.topic.trim() === "") throw new ConnectError("Topic is required", Code.InvalidArgument);
      connection.topic = req.topic.trim();
      return {};
    },

    stopPublish: async (req) => {
      this.find(req.id).topic = "";
      return {};
    },

    send: async (req) => {
      const connection = this.find(req.id);
      const timeout = req.timeoutMs > 0 ? req.timeoutMs : this.options.defaultSendTimeoutMs;
      return { response: await connection.send(req.message, timeout) };
    },

    sendRaw: async (req) => {
      await this.find(req.id).sendRaw(req.message, req.contentType);
      return {};
    },

    getTag: async (req) => ({ value: this.find(req.id).tags.get(req.key) ?? "" }),

    getTags: async (req) => ({ tags: Object.fromEntries(this.find(req.id).tags) }),

    setTag: async (req) => {
      const connection = this.find(req.id);
      connection.tags = mergeTags(connection.tags, { [req.key]: req.value });
      return {};
    },

    setTags: async (req) => {
      const connection = this.find(req.id);
      connection.tags = mergeTags(connection.tags, req.tags);
      return {};
    },
  };

  /** Closes every connection. */
  async close(): Promise<void> {
    this.closed = true;
    for (const connection of this.connections.values()) connection.disconnect();
    this.connections.clear();
  }

  private find(id: string): ManagedConnection {
    const connection = this.connections.get(id);
    if (!connection) throw new ConnectError("Connection not found", Code.NotFound);
    return connection;
  }
}

/** Accepts absolute ws:// and wss:// URLs only (INVALID_ARGUMENT otherwise). */
function parseWsUrl(raw: string): string {
  if (raw.trim() === "") throw new ConnectError("URL is required", Code.InvalidArgument);
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ConnectError(`URL is not valid: ${redactUrl(raw)}`, Code.InvalidArgument);
  }
  if (url.protocol !== "ws:" && url.protocol !== "wss:") {
    throw new ConnectError(`URL must use ws:// or wss://, not ${url.protocol}//`, Code.InvalidArgument);
  }
  if (url.hash !== "") throw new ConnectError("URL must not contain a fragment (#...)", Code.InvalidArgument);
  return url.href;
}
