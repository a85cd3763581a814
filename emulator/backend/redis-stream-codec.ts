/**
 * How an event is laid out in Redis: a stream entry per event (fields `id`, `meta`, `data`) in
 * the stream of its topic, and a framed copy on one pub/sub channel for `"*"` subscribers.
 */
import { KEY_PREFIX } from "./redis-state.js";
import { entryFields, type RawEntry } from "./redis-connection.js";
import type { BusEvent } from "./types.js";

/** The stream key of a topic. */
export const streamKey = (topic: string): string => `${KEY_PREFIX}topic:${topic}`;

/** The channel every event is also published on, for `"*"` subscribers (Gateway event streams). */
export const ALL_EVENTS_CHANNEL = `${KEY_PREFIX}all-events`;

/** An event read from a stream, with its position there. */
export interface StreamEvent {
  /** The stream entry id (the resume position). */
  readonly position: string;
  /** The event. */
  readonly event: BusEvent;
}

const makeEvent = (topic: string, metaJson: string, data: Buffer): BusEvent => {
  const metadata = Object.freeze(JSON.parse(metaJson) as Record<string, string>);
  return { topic, data: new Uint8Array(data), metadata, id: metadata["ce-id"] ?? "", time: metadata["ce-time"] ?? "" };
};

/** Decodes a stream entry of `topic`. */
export function decodeEntry(topic: string, entry: RawEntry): StreamEvent {
  const fields = entryFields(entry);
  return {
    position: entry[0].toString(),
    event: makeEvent(topic, (fields.get("meta") ?? Buffer.from("{}")).toString(), fields.get("data") ?? Buffer.alloc(0)),
  };
}

/**
 * Decodes a channel message framed by the publish script as
 * `<topic length>:<topic><meta length>:<meta><data>` (lengths in bytes, decimal).
 */
export function decodeFrame(frame: Buffer): BusEvent {
  let offset = 0;
  const take = (): string => {
    const colon = frame.indexOf(0x3a, offset);
    const length = Number(frame.subarray(offset, colon).toString());
    const text = frame.subarray(colon + 1, colon + 1 + length).toString();
    offset = colon + 1 + length;
    return text;
  };
  const topic = take();
  const meta = take();
  return makeEvent(topic, meta, frame.subarray(offset));
}

/**
 * KEYS: the topic's stream. ARGV: max length, ce-id, metadata JSON, data, channel, topic,
 * idle expiry in ms (0: none). Appends the entry (trimming the stream to about max length),
 * renews the stream's idle expiry, and publishes the framed copy; returns the entry id.
 */
export const PUBLISH_SCRIPT = `
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'id', ARGV[2], 'meta', ARGV[3], 'data', ARGV[4])
if tonumber(ARGV[7]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[7]) end
redis.call('PUBLISH', ARGV[5], string.len(ARGV[6]) .. ':' .. ARGV[6] .. string.len(ARGV[3]) .. ':' .. ARGV[3] .. ARGV[4])
return id`;
