/**
 * What the benchmark's client process and its server processes say to each other over the
 * Node IPC channel of `child_process.spawn` (never over the network): the server's addresses
 * once it listens, and requests (publish a batch of events, count subscriptions, report CPU
 * time, stop) each answered by id.
 */

/** Where a server process listens, sent once it is ready. */
export interface ReadyMessage {
  readonly type: "ready";
  /** Base URL, host and port of the Gateway API (the emulator's Gateway, or the grpc-js server). */
  readonly gateway: { readonly url: string; readonly host: string; readonly port: number };
  /** The emulator's WorkManager server; absent for the grpc-js server. */
  readonly workmanager?: { readonly url: string; readonly host: string; readonly port: number };
  /** What `Gateway.ListServices` answers, in order. */
  readonly services: readonly string[];
}

/** A request to a server process. */
export type Request =
  | { readonly id: number; readonly op: "publish"; readonly topic: string; readonly from: number; readonly count: number }
  | { readonly id: number; readonly op: "subscriptions" }
  | { readonly id: number; readonly op: "cpu" }
  | { readonly id: number; readonly op: "stop" };

/** The answer to a request: a number (subscriptions, CPU µs) or nothing. */
export interface Reply {
  readonly id: number;
  readonly result?: number;
  readonly error?: string;
}

/** Event metadata of every benchmark event, as CloudEvent attributes. */
export const EVENT_METADATA: Readonly<Record<string, string>> = {
  "ce-type": "com.example.tick",
  "ce-source": "urn:bench",
  "ce-datacontenttype": "application/json",
};

const encoder = new TextEncoder();

/** The payload of benchmark event `i`: a small JSON document. */
export function eventData(i: number): Uint8Array {
  return encoder.encode(`{"symbol":"BTCUSDT","price":${60_000 + (i % 1000)},"seq":${i}}`);
}
