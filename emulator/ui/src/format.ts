/**
 * How the UI shows values: event data as pretty JSON, else text, else hex; errors with their
 * gRPC code name; times and durations short.
 */
import { VirtufinError } from "@virtufin/sdk";

const decoder = new TextDecoder("utf-8", { fatal: true });

/** Bytes as lowercase hex pairs, 16 per line. */
export function hex(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    lines.push([...bytes.subarray(i, i + 16)].map((b) => b.toString(16).padStart(2, "0")).join(" "));
  }
  return lines.join("\n");
}

/** Event data for a person: `json` (pretty), `text`, or `hex` when it is not UTF-8. */
export function showData(bytes: Uint8Array): { kind: "json" | "text" | "hex"; text: string } {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return { kind: "hex", text: hex(bytes) };
  }
  try {
    return { kind: "json", text: JSON.stringify(JSON.parse(text), null, 2) };
  } catch {
    return { kind: "text", text };
  }
}

/** Parses event data as JSON, or undefined. */
export function dataJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(bytes));
  } catch {
    return undefined;
  }
}

/** A typed error as "CODE_NAME: message". */
export function showError(error: unknown): string {
  const failure = VirtufinError.from(error);
  return `${failure.codeName}: ${failure.rawMessage}`;
}

/** An RFC 3339 time as local HH:MM:SS.mmm. */
export function clock(time: string): string {
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) return time;
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** Milliseconds as "12 ms" or "1.4 s". */
export function duration(ms: number): string {
  return ms < 1_000 ? `${Math.round(ms)} ms` : `${(ms / 1_000).toFixed(1)} s`;
}

/** The first 8 characters of an id (full ids are in titles). */
export const short = (id: string): string => id.slice(0, 8);
