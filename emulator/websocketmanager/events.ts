/**
 * What the WebSocketManager publishes: lifecycle events on `websocketmanager.lifecycle`
 * (`com.virtufin.websocketmanager.lifecycle.<state>`, JSON data `{connection_id, url,
 * instance_id, attempt, error_type?, error_message?}`) and inbound frames as CloudEvents on a
 * connection's topic. Publishing is best-effort: failures are logged, never thrown.
 */
import type { PubsubBackend } from "../backend/types.js";
import type { Logger } from "../logger.js";

/** The lifecycle topic. */
export const WSM_LIFECYCLE_TOPIC = "websocketmanager.lifecycle";
/** The ce-type prefix of lifecycle events. */
export const WSM_LIFECYCLE_TYPE_PREFIX = "com.virtufin.websocketmanager.lifecycle.";
/** The ce-type of a published inbound frame (emulator choice: the platform documents none). */
export const FRAME_EVENT_TYPE = "com.virtufin.websocketmanager.message";
/** The ce-source of WebSocketManager events. */
export const WSM_SOURCE = "urn:com.virtufin.websocketmanager";

/** Lifecycle states (the platform's ConnectionEvents names). */
export type ConnectionState = "connecting" | "connected" | "reconnecting" | "disconnected" | "error";

/** One lifecycle event's subject. */
export interface LifecycleDetails {
  /** The connection id. */
  readonly id: string;
  /** The URL, already redacted. */
  readonly url: string;
  /** Reconnect attempt (0 for the first connection). */
  readonly attempt: number;
  /** The error, for `error` events. */
  readonly error?: { readonly type: string; readonly message: string };
}

/** Publishes the WebSocketManager's events. */
export class WsmEvents {
  /** Creates the publisher. */
  constructor(
    private readonly pubsub: PubsubBackend,
    private readonly instanceId: string,
    private readonly log: Logger,
    private readonly closing: () => boolean,
  ) {}

  /** Publishes a lifecycle event. */
  lifecycle(state: ConnectionState, details: LifecycleDetails): void {
    const data: Record<string, unknown> = {
      connection_id: details.id,
      url: details.url,
      instance_id: this.instanceId,
      attempt: details.attempt,
    };
    if (details.error) {
      data["error_type"] = details.error.type;
      data["error_message"] = details.error.message;
    }
    this.publish(WSM_LIFECYCLE_TOPIC, new TextEncoder().encode(JSON.stringify(data)), {
      "ce-type": WSM_LIFECYCLE_TYPE_PREFIX + state,
      "ce-source": WSM_SOURCE,
      "ce-datacontenttype": "application/json",
      "ce-subject": details.id,
    });
  }

  /** Publishes one inbound frame to `topic`. */
  frame(topic: string, data: Uint8Array, connection: { id: string; url: string }, contentType: string): void {
    this.publish(topic, data, {
      "ce-type": FRAME_EVENT_TYPE,
      "ce-source": WSM_SOURCE,
      "ce-datacontenttype": contentType,
      websocketId: connection.id,
      websocketUrl: connection.url,
      timestamp: new Date().toISOString(),
      contentType,
    });
  }

  private publish(topic: string, data: Uint8Array, metadata: Record<string, string>): void {
    if (this.closing()) return;
    this.pubsub.publish(topic, data, metadata).catch((err: unknown) => {
      this.log.debug("event not published", { topic, error: err instanceof Error ? err.message : String(err) });
    });
  }
}

const SECRET_PARAM = /(token|key|secret|signature|password|passwd|auth|credential|session)/i;

/**
 * A URL safe for logs, errors and events: no user info, and the values of query parameters
 * whose names look secret (token, apikey, signature, ...) replaced by "redacted".
 */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    url.username = "";
    url.password = "";
    for (const name of [...url.searchParams.keys()]) if (SECRET_PARAM.test(name)) url.searchParams.set(name, "redacted");
    return url.href;
  } catch {
    return "<invalid url>";
  }
}
