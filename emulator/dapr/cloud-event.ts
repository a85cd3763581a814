/**
 * Dapr's CloudEvent rules, mapped onto the emulator's bus events (whose attributes are `ce-*`
 * metadata and whose extensions are unprefixed keys, the Virtufin pub/sub's shape).
 *
 * Publishing (Dapr's `NewCloudEvent`): the data is wrapped in an envelope whose `source` is the
 * app id, `type` "com.dapr.event.sent", `datacontenttype` the request's content type or
 * "text/plain", plus the `pubsubname` and `topic` extensions; request metadata
 * `cloudevent.id|source|type|subject|traceid|traceparent|tracestate` override those attributes.
 * Data of content type `application/cloudevents+json` is already an envelope: its attributes and
 * extensions are kept as given (`id`, `source`, `type` filled in when missing) and its `data`
 * (or `data_base64`) becomes the event's data. `rawPayload=true` metadata publishes the bytes
 * as they are, with no envelope attributes beyond the bus's own defaults.
 *
 * Delivering (OnTopicEvent): core attributes go to their `TopicEventRequest` fields, every other
 * attribute and extension to `extensions`.
 */
import { create } from "@bufbuild/protobuf";
import type { JsonObject } from "@bufbuild/protobuf";
import { TopicEventRequestSchema, type TopicEventRequest } from "@virtufin/sdk/gen/dapr/proto/runtime/v1/appcallback_pb";
import type { BusEvent } from "../backend/index.js";
import { invalidArgument } from "../services/status.js";

/** Dapr's default CloudEvent type. */
export const DAPR_EVENT_TYPE = "com.dapr.event.sent";
/** Dapr's default content type of data published without one. */
export const DAPR_DEFAULT_CONTENT_TYPE = "text/plain";
/** The content type of data that is itself a CloudEvent envelope (JSON format). */
export const CLOUDEVENT_CONTENT_TYPE = "application/cloudevents+json";

/** CloudEvent core attributes kept as `ce-*` metadata on the bus. */
const CORE = ["id", "source", "type", "specversion", "datacontenttype", "subject", "time", "dataschema"] as const;
/** Metadata overrides of the envelope (Dapr's `cloudevent.` prefix), and where each lands. */
const OVERRIDES: Readonly<Record<string, string>> = {
  "cloudevent.id": "ce-id",
  "cloudevent.source": "ce-source",
  "cloudevent.type": "ce-type",
  "cloudevent.subject": "ce-subject",
  "cloudevent.traceid": "traceid",
  "cloudevent.traceparent": "traceparent",
  "cloudevent.tracestate": "tracestate",
};

/** What a Dapr publish names besides the data. */
export interface DaprPublication {
  /** The app id of the publishing sidecar (the envelope's default `source`). */
  readonly appId: string;
  /** The pub/sub component name. */
  readonly pubsubName: string;
  /** The topic. */
  readonly topic: string;
  /** The request's (or entry's) content type; empty when not given. */
  readonly contentType: string;
  /** The request's (or entry's) metadata. */
  readonly metadata: Readonly<Record<string, string>>;
}

/** A bus event to publish: data and `ce-*`/extension metadata. */
export interface BusPublication {
  /** The event data. */
  readonly data: Uint8Array;
  /** The event's attributes and extensions. */
  readonly metadata: Record<string, string>;
}

/** True when `metadata` asks for a raw payload (Dapr accepts "true"/"1"/"t", any case). */
export function isRawPayload(metadata: Readonly<Record<string, string>>): boolean {
  const value = Object.entries(metadata).find(([key]) => key.toLowerCase() === "rawpayload")?.[1];
  if (value === undefined) return false;
  if (/^(true|t|1)$/i.test(value)) return true;
  if (/^(false|f|0|)$/i.test(value)) return false;
  throw invalidArgument(`failed deserializing metadata. Error: rawPayload must be a boolean, not "${value}"`);
}

/**
 * Builds the bus event for published data, after Dapr's envelope rules (see the module comment).
 * Throws INVALID_ARGUMENT for an `application/cloudevents+json` payload that is not a JSON object.
 */
export function toBusPublication(data: Uint8Array, p: DaprPublication): BusPublication {
  if (isRawPayload(p.metadata))
    return { data, metadata: { "ce-datacontenttype": "application/octet-stream", pubsubname: p.pubsubName } };
  const base = p.contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  const out =
    base === CLOUDEVENT_CONTENT_TYPE
      ? fromEnvelope(data)
      : { data, metadata: { "ce-datacontenttype": p.contentType || DAPR_DEFAULT_CONTENT_TYPE } as Record<string, string> };
  const meta = out.metadata;
  meta["ce-source"] ||= p.appId;
  meta["ce-type"] ||= DAPR_EVENT_TYPE;
  meta["ce-specversion"] ||= "1.0";
  meta["pubsubname"] = p.pubsubName;
  meta["topic"] = p.topic;
  if (base !== CLOUDEVENT_CONTENT_TYPE) {
    // Overrides match case-insensitively, as Dapr's weak decoding does.
    for (const [key, value] of Object.entries(p.metadata)) {
      const target = OVERRIDES[key.toLowerCase()];
      if (target !== undefined && value !== "") meta[target] = value;
    }
  }
  return out;
}

/** Splits a JSON CloudEvent envelope into data and metadata. */
function fromEnvelope(bytes: Uint8Array): BusPublication {
  let envelope: unknown;
  try {
    envelope = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (err) {
    throw invalidArgument(
      `cannot create a CloudEvent: the ${CLOUDEVENT_CONTENT_TYPE} data is not JSON (${(err as Error).message})`,
    );
  }
  if (typeof envelope !== "object" || envelope === null || Array.isArray(envelope)) {
    throw invalidArgument(`cannot create a CloudEvent: the ${CLOUDEVENT_CONTENT_TYPE} data is not a JSON object`);
  }
  const fields = envelope as Record<string, unknown>;
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (key === "data" || key === "data_base64" || value === null || value === undefined) continue;
    const text = typeof value === "string" ? value : JSON.stringify(value);
    metadata[(CORE as readonly string[]).includes(key) ? `ce-${key}` : key] = text;
  }
  let data: Uint8Array;
  if (typeof fields["data_base64"] === "string") {
    data = new Uint8Array(Buffer.from(fields["data_base64"], "base64"));
    metadata["ce-datacontenttype"] ||= "application/octet-stream";
  } else if (fields["data"] === undefined || fields["data"] === null) {
    data = new Uint8Array(0);
  } else {
    const inner = fields["data"];
    const type = metadata["ce-datacontenttype"] ?? "";
    // JSON data is the JSON text; a string with a non-JSON content type is that text itself.
    const text = typeof inner === "string" && type !== "" && !/json/i.test(type) ? inner : JSON.stringify(inner);
    data = new TextEncoder().encode(text);
    metadata["ce-datacontenttype"] ||= "application/json";
  }
  return { data, metadata };
}

/** The `TopicEventRequest` delivering a bus event to an app's `OnTopicEvent`. */
export function toTopicEventRequest(event: BusEvent, pubsubName: string, path: string): TopicEventRequest {
  const extensions: JsonObject = {};
  for (const [key, value] of Object.entries(event.metadata)) {
    if (key.startsWith("ce-")) {
      const name = key.slice(3);
      if (!(CORE as readonly string[]).includes(name)) extensions[name] = value;
    } else if (key !== "topic" && key !== "pubsubname") {
      extensions[key] = value;
    }
  }
  const meta = event.metadata;
  // time, subject and dataschema have no field of their own in TopicEventRequest.
  for (const name of ["time", "subject", "dataschema"]) if (meta[`ce-${name}`]) extensions[name] = meta[`ce-${name}`] as string;
  return create(TopicEventRequestSchema, {
    id: event.id,
    source: meta["ce-source"] ?? "",
    type: meta["ce-type"] ?? "",
    specVersion: meta["ce-specversion"] ?? "1.0",
    dataContentType: meta["ce-datacontenttype"] ?? "",
    data: event.data,
    topic: event.topic,
    pubsubName,
    path,
    extensions,
  });
}
