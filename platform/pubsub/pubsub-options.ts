/**
 * The options and handler shapes of the platform's pub/sub, in a module of their own so that
 * the client (pubsub-client.ts) and the subscription runners (runners.ts) both depend on them
 * rather than on each other.
 */
import type { CallOptions } from "../../runtime/call-options.js";
import type { VirtufinError } from "../../runtime/errors.js";
import type { EventData } from "./encode.js";
import type { PubsubEvent } from "./event.js";
import type { ReconnectInfo, ReconnectOptions } from "./reconnecting-stream.js";

/** Options of {@link PlatformPubsub.publish}. */
export interface PublishOptions extends CallOptions {
  /** Extra CloudEvent attributes (`ce-*`) and extensions (`replytopic`, ...). */
  metadata?: Record<string, string>;
  /** The `correlationid` extension. */
  correlationId?: string;
  /** The CloudEvent `type` (`ce-type`). */
  type?: string;
  /** The CloudEvent `source` (`ce-source`). */
  source?: string;
  /** The payload's content type; by default derived from the data (JSON, text or bytes). */
  contentType?: string;
}

/** Options of {@link PlatformPubsub.subscribe}. */
export interface SubscribeOptions {
  /** Ends the iteration quietly when aborted. */
  signal?: AbortSignal;
  /** Reopen the stream after the server goes away (default true). */
  reconnect?: boolean | ReconnectOptions;
  /** Called before each reconnect, so a lost stream is never silent. */
  onReconnect?: (info: ReconnectInfo) => void;
}

/** Options of {@link PlatformPubsub.publishWithResult}. */
export interface PublishWithResultOptions {
  /** Topic the request is published to. */
  topic: string;
  /** The request payload. */
  data?: EventData;
  /** Topic the reply is expected on (sent as the `replytopic` extension). */
  replyTopic: string;
  /** How long to wait for the reply, in ms (default 30,000). */
  timeoutMs?: number;
  /** Extra metadata of the request. */
  metadata?: Record<string, string>;
  /** The correlation id (default: a new UUID). */
  correlationId?: string;
  /** The request's CloudEvent type. */
  type?: string;
  /** The request's CloudEvent source. */
  source?: string;
  /** Aborts the wait (the request is then rejected with code Canceled). */
  signal?: AbortSignal;
}

/** Receives the events of a handler-style subscription (seed: StreamEventHandler). */
export interface EventHandler<E = PubsubEvent> {
  /** Called for each event, one at a time; a returned promise is awaited before the next. */
  onEvent(event: E): void | Promise<void>;
  /**
   * Called when `onEvent` throws (the subscription goes on) or the subscription fails for good.
   * Without it, the first failure ends the subscription and rejects `done`.
   */
  onError?(error: VirtufinError): void;
}

/** A running handler-style subscription. */
export interface HandlerSubscription extends AsyncDisposable {
  /** Resolves when the subscription has ended (closed, or failed for good). */
  readonly done: Promise<void>;
  /** Stops the subscription and waits for the handler to finish its current event. */
  close(): Promise<void>;
}
