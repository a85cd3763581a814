/**
 * Events per second from a server process to one `for await` loop in this process. The server
 * publishes in batches asked for over IPC, keeping at most WINDOW events undelivered, so that no
 * stream buffer overflows and every client sees the same publishing side.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { sleep } from "../../../runtime/sleep.js";
import type { Settings } from "../context.js";
import type { ServerProcess } from "./server-process-handle.js";

/** Undelivered events allowed; the next batch is asked for each time BATCH more arrived. */
const WINDOW = 1_000;
const BATCH = 250;

/** Opens a subscription to `topic`, ended by `signal`. */
export type OpenStream = (topic: string, signal: AbortSignal) => Promise<AsyncIterable<unknown>>;

/** The rate of one measurement, and the client CPU per event. */
export interface EventRate {
  readonly perSecond: number;
  readonly cpuUsPerOp: number;
  readonly received: number;
}

const cpuUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** Publishes `settings.events` events to a fresh topic and times their delivery. */
export async function measureRemoteEvents(server: ServerProcess, settings: Settings, open: OpenStream): Promise<EventRate> {
  const total = settings.events;
  const topic = `bench-events-${randomUUID()}`;
  const controller = new AbortController();
  for (let i = 0; (await server.subscriptions()) > 0 && i < 400; i++) await sleep(5);
  const before = await server.subscriptions();
  const stream = await open(topic, controller.signal);
  let received = 0;
  let asked = 0;
  let publishing: Promise<void> = Promise.resolve();
  // Batches are asked for in order; each one is a single IPC request to the server.
  const ask = (): void => {
    const from = asked;
    const count = Math.min(BATCH, total - asked);
    if (count <= 0) return;
    asked += count;
    publishing = publishing.then(() => server.publish(topic, from, count));
  };
  let finished: () => void = () => undefined;
  const allIn = new Promise<void>((resolve) => (finished = resolve));
  const consumed = (async () => {
    for await (const _ of stream) {
      received++;
      if (received >= total) {
        finished();
        break;
      }
      if (received % BATCH === 0 && asked - received < WINDOW) ask();
    }
  })().catch((error: unknown) => {
    if (!controller.signal.aborted) throw error;
  });
  // The subscription must be registered on the server before the first event, or events are lost.
  for (let i = 0; (await server.subscriptions()) <= before; i++) {
    if (i > 500) throw new Error(`the subscription to ${topic} did not become active`);
    await sleep(5);
  }
  const cpu0 = cpuUs();
  const t0 = performance.now();
  while (asked < WINDOW && asked < total) ask();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([allIn, consumed, new Promise<void>((resolve) => (timer = setTimeout(resolve, settings.eventsMaxMs)))]);
  clearTimeout(timer);
  const elapsed = performance.now() - t0;
  const cpu = cpuUs() - cpu0;
  controller.abort();
  await consumed;
  await publishing;
  if (received < total) throw new Error(`only ${received} of ${total} events arrived within ${settings.eventsMaxMs} ms`);
  return { perSecond: (received / elapsed) * 1000, cpuUsPerOp: cpu / received, received };
}
