/**
 * Platform events as the Gateway streams them: classification of pub/sub events into event types
 * ("state", "pubsub", "system"), the owning service, and the subscription filters.
 */
import { create } from "@bufbuild/protobuf";
import { TopicEventRequestSchema, type TopicEventRequest } from "@virtufin/sdk/gen/virtufin/gateway_pb";
import type { BusEvent } from "../backend/index.js";
import { PUBSUB_NAME, STATE_CHANGES_TOPIC, SYSTEM_EVENTS_TOPIC } from "../services/context.js";

/** The event types of Gateway subscriptions. */
export type EventType = "state" | "pubsub" | "system";

/** An event with what the Gateway's filters look at. */
export interface ClassifiedEvent {
  /** The event. */
  readonly event: BusEvent;
  /** Its type. */
  readonly type: EventType;
  /** The service it belongs to ("" when unknown). */
  readonly service: string;
}

const json = (data: Uint8Array): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(data));
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/**
 * Classifies an event. State changes (topic `state-changes`) are "state" and belong to their
 * payload's `service`; system events (topic `system-events`) are "system"; everything else is
 * "pubsub" and belongs to the `service` metadata key if set, else to the topic's first
 * dot-separated segment (`workmanager.lifecycle` → `workmanager`).
 */
export function classify(event: BusEvent): ClassifiedEvent {
  if (event.topic === STATE_CHANGES_TOPIC) {
    const service = json(event.data)?.["service"];
    return { event, type: "state", service: typeof service === "string" ? service : "" };
  }
  if (event.topic === SYSTEM_EVENTS_TOPIC) {
    const service = json(event.data)?.["service"];
    return { event, type: "system", service: typeof service === "string" ? service : "" };
  }
  const service = event.metadata["service"] ?? event.topic.split(".")[0] ?? "";
  return { event, type: "pubsub", service };
}

/** The filters of a Gateway subscription. */
export interface EventFilter {
  /** Wanted services (empty: any). */
  readonly services: readonly string[];
  /** Wanted topics (empty: any). */
  readonly topics: readonly string[];
  /** Wanted event types (empty: any). */
  readonly eventTypes: readonly string[];
}

/**
 * True when an event passes the filter: each non-empty list must contain the event's value (a
 * service, topic or type), so lists narrow each other like the platform's combined scope keys
 * (`{service}/{topic}`, `event-type/{type}/{service}`); all lists empty lets everything through.
 */
export function matches(filter: EventFilter, classified: ClassifiedEvent): boolean {
  if (filter.services.length > 0 && !filter.services.includes(classified.service)) return false;
  if (filter.topics.length > 0 && !filter.topics.includes(classified.event.topic)) return false;
  if (filter.eventTypes.length > 0 && !filter.eventTypes.map((t) => t.toLowerCase()).includes(classified.type)) return false;
  return true;
}

/** The TopicEventRequest envelope of an event; `path` carries its event type. */
export function toTopicEvent(classified: ClassifiedEvent): TopicEventRequest {
  const { event } = classified;
  return create(TopicEventRequestSchema, {
    id: event.id,
    source: event.metadata["ce-source"] ?? "",
    type: event.metadata["ce-type"] ?? "",
    specVersion: event.metadata["ce-specversion"] ?? "1.0",
    dataContentType: event.metadata["ce-datacontenttype"] ?? "application/json",
    topic: event.topic,
    data: event.data,
    pubsubName: PUBSUB_NAME,
    path: classified.type,
  });
}
