/**
 * The page's live picture of pub/sub traffic, from the inspector's event stream: a bounded
 * buffer of the latest {@link EVENT_BUFFER} events, and request-reply pairs matched by
 * `correlationid` (a request names its `replytopic`; its reply is the event on that topic with
 * the same correlation id).
 */
import type { WatchEventsResponse } from "@virtufin/sdk/gen/virtufin/emulator/v1/inspector_pb";

/** How many events the page keeps (older ones are dropped first). */
export const EVENT_BUFFER = 1_000;
/** How many request-reply pairs the page keeps. */
export const PAIR_BUFFER = 300;

/** A request and, once seen, its reply. */
export interface RequestReply {
  /** The correlation id. */
  readonly correlationId: string;
  /** The request event. */
  readonly request: WatchEventsResponse;
  /** The reply event, once seen. */
  reply: WatchEventsResponse | undefined;
  /** Reply time minus request time, in ms. */
  latencyMs: number | undefined;
}

const attr = (event: WatchEventsResponse, name: string) => event.metadata[name] || event.metadata[`ce-${name}`] || "";

/** Events and pairs, both bounded. */
export class EventFeed {
  /** The kept events, oldest first. */
  readonly events: WatchEventsResponse[] = [];
  /** Pairs by correlation id, oldest first (Map keeps insertion order). */
  readonly pairs = new Map<string, RequestReply>();
  /** Events dropped from the buffer so far. */
  dropped = 0;
  /** Events added so far. */
  total = 0;

  /** Adds one event. */
  add(event: WatchEventsResponse): void {
    this.events.push(event);
    this.total += 1;
    const excess = this.events.length - EVENT_BUFFER;
    if (excess > 0) {
      this.events.splice(0, excess);
      this.dropped += excess;
    }
    this.match(event);
  }

  private match(event: WatchEventsResponse): void {
    const correlationId = attr(event, "correlationid");
    if (correlationId === "") return;
    const pending = this.pairs.get(correlationId);
    if (
      pending &&
      pending.reply === undefined &&
      event.topic === attr(pending.request, "replytopic") &&
      event.id !== pending.request.id
    ) {
      pending.reply = event;
      pending.latencyMs = Date.parse(event.time) - Date.parse(pending.request.time);
      return;
    }
    if (attr(event, "replytopic") === "" || pending) return;
    this.pairs.set(correlationId, { correlationId, request: event, reply: undefined, latencyMs: undefined });
    if (this.pairs.size > PAIR_BUFFER) this.pairs.delete(this.pairs.keys().next().value as string);
  }
}
