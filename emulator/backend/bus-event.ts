/**
 * The event a backend stores and delivers for one publish: the caller's metadata with the
 * CloudEvent attributes every event carries filled in when missing (`ce-id`, `ce-time`,
 * `ce-specversion`). One place for both backends, so memory and Redis stamp events alike.
 */
import { randomUUID } from "node:crypto";
import type { BusEvent } from "./types.js";

/** The BusEvent of a publish of `data` on `topic` with `metadata` (frozen). */
export function busEvent(topic: string, data: Uint8Array, metadata: Readonly<Record<string, string>>): BusEvent {
  const meta: Record<string, string> = { ...metadata };
  meta["ce-id"] ||= randomUUID();
  meta["ce-time"] ||= new Date().toISOString();
  meta["ce-specversion"] ||= "1.0";
  return { topic, data, metadata: Object.freeze(meta), id: meta["ce-id"], time: meta["ce-time"] };
}
