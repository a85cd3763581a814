/**
 * Converting between bus events and what a worker's `Process` sees and returns.
 *
 * In: the CloudEvent as one JSON object — attributes at the top level (`id`, `source`, `type`,
 * `specversion`, `datacontenttype`, `time`, `subject`, `dataschema`), extensions flattened in
 * (`correlationid`, `replytopic`, ...), and `data`: JSON-decoded when the content type is JSON
 * (or absent, JSON being the platform's convention) and it parses, else UTF-8 text; bytes that
 * are not UTF-8 arrive as `data_base64` with `data` null.
 *
 * Out: a non-null result is an object; `type`, `source` and `data` are required by convention,
 * `data` objects are JSON-encoded (`application/json`), strings sent as text, and every other
 * top-level string attribute becomes metadata (core attributes as `ce-*`, the rest as
 * extensions). The destination is the input's `replytopic`, else the result's `type`.
 */
import type { BusEvent } from "../backend/types.js";
import { WorkerError } from "./child-engine.js";

/** CloudEvents core attributes (other than data) carried as `ce-*` metadata. */
const CORE = ["id", "source", "type", "specversion", "datacontenttype", "dataschema", "subject", "time"] as const;

/** The type given to an inbound event that has none. */
export const UNKNOWN_EVENT_TYPE = "unknown";
/** The source given to an inbound event that has none. */
export const UNKNOWN_EVENT_SOURCE = "urn:com.virtufin.unknown";

/** Builds the object passed to `Process(event)`. */
export function toWorkerEvent(event: BusEvent): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // Extensions first (prefix stripped), so core attributes below win over odd duplicates.
  for (const [key, value] of Object.entries(event.metadata)) {
    const name = key.startsWith("ce-") ? key.slice(3) : key;
    if (name !== "" && !(CORE as readonly string[]).includes(name)) out[name] = value;
  }
  for (const name of CORE) {
    const value = event.metadata[`ce-${name}`];
    if (value !== undefined && value !== "") out[name] = value;
  }
  out["id"] ??= event.id;
  out["time"] ??= event.time;
  out["type"] ??= UNKNOWN_EVENT_TYPE;
  out["source"] ??= UNKNOWN_EVENT_SOURCE;
  out["specversion"] ??= "1.0";
  const contentType = out["datacontenttype"]; // a metadata value: a string when present
  Object.assign(out, decodeData(event.data, typeof contentType === "string" ? contentType : ""));
  return out;
}

function decodeData(data: Uint8Array, contentType: string): { data: unknown; data_base64?: string } {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(data);
  } catch {
    return { data: null, data_base64: Buffer.from(data).toString("base64") };
  }
  const type = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
  if (type === "" || type === "application/json" || type.endsWith("+json")) {
    try {
      return { data: text === "" ? null : JSON.parse(text) };
    } catch {
      // Not JSON after all: the worker gets the text.
    }
  }
  return { data: text };
}

/** An event to publish. */
export interface Publication {
  /** The destination topic. */
  readonly topic: string;
  /** The encoded data. */
  readonly data: Uint8Array;
  /** `ce-*` attributes and extensions. */
  readonly metadata: Record<string, string>;
}

/**
 * Turns a worker's result into the event to publish, or null for no reply. Throws WorkerError
 * for a result that signals an error (`__error__`) or cannot be routed.
 */
export function toPublication(result: unknown, input: BusEvent): Publication | null {
  if (result === null || result === undefined) return null;
  if (typeof result !== "object" || Array.isArray(result)) {
    throw new WorkerError("InvalidResult", "Process must return an object (a CloudEvent dict) or nothing");
  }
  const fields = result as Record<string, unknown>;
  if (fields["__error__"] !== undefined && fields["__error__"] !== null && fields["__error__"] !== false) {
    const reported = fields["__error__"];
    throw new WorkerError("WorkerReportedError", typeof reported === "string" ? reported : JSON.stringify(reported));
  }
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value !== "string" || key === "data" || key === "data_base64" || key === "replytopic") continue;
    metadata[(CORE as readonly string[]).includes(key) ? `ce-${key}` : key] = value;
  }
  const correlation = input.metadata["correlationid"] ?? input.metadata["ce-correlationid"];
  if (correlation !== undefined && metadata["correlationid"] === undefined) metadata["correlationid"] = correlation;
  const replyTopic = input.metadata["replytopic"] ?? input.metadata["ce-replytopic"] ?? "";
  const topic = replyTopic !== "" ? replyTopic : (metadata["ce-type"] ?? "");
  if (topic === "") {
    throw new WorkerError("Unroutable", 'the result has no "type" and the event no "replytopic": nowhere to publish it');
  }
  const { data, contentType } = encodeData(fields["data"], fields["data_base64"]);
  if (metadata["ce-datacontenttype"] === undefined && contentType !== undefined) metadata["ce-datacontenttype"] = contentType;
  return { topic, data, metadata };
}

function encodeData(data: unknown, base64: unknown): { data: Uint8Array; contentType?: string } {
  if (typeof base64 === "string" && (data === undefined || data === null)) {
    return { data: new Uint8Array(Buffer.from(base64, "base64")), contentType: "application/octet-stream" };
  }
  if (data === undefined) return { data: new Uint8Array() };
  if (typeof data === "string") return { data: new TextEncoder().encode(data), contentType: "text/plain" };
  return { data: new TextEncoder().encode(JSON.stringify(data)), contentType: "application/json" };
}
