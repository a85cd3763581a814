/**
 * Item 4: events per second delivered to one subscriber — the platform client's
 * `api.pubsub.subscribeReady(topic)` against a raw Connect server stream
 * (`createClient(Pubsub, transport).subscribe({ topic })`) on the same emulator.
 *
 * Events are published straight into the emulator's in-process pub/sub backend, so the
 * publishing side costs the same for both and no publish RPC competes with the stream. The
 * publisher keeps at most WINDOW events undelivered, far below the emulator's per-stream buffer
 * (10,000), so no subscriber is ever cut off as too slow.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Pubsub } from "../../generated/virtufin/pubsub_pb.js";
import { ApiClient } from "../../platform/api-client.js";
import { sleep } from "../../runtime/sleep.js";
import { interleaved, type BenchContext } from "./context.js";
import { metric, type Row } from "./table.js";

/** Undelivered events the publisher allows before it waits for the subscriber. */
const WINDOW = 1_000;
const UNIT = "events/s";

/** A subscriber under test: opens the subscription and resolves once it receives events. */
type OpenSubscription = (topic: string, signal: AbortSignal) => Promise<AsyncIterable<unknown>>;

interface EventRate {
  readonly perSecond: number;
  readonly cpuUsPerOp: number;
  readonly received: number;
}

const encoder = new TextEncoder();

/** Publishes `count` events to a fresh topic and times their delivery to one subscriber. */
async function measureEvents(ctx: BenchContext, open: OpenSubscription): Promise<EventRate> {
  const { emulator, settings } = ctx;
  const topic = `bench-events-${randomUUID()}`;
  const controller = new AbortController();
  // Let the streams of earlier rounds finish closing, so the count below only rises for ours.
  for (let i = 0; emulator.activeSubscriptions() > 0 && i < 400; i++) await sleep(5);
  const before = emulator.activeSubscriptions();
  const stream = await open(topic, controller.signal);
  let received = 0;
  let wake: (() => void) | undefined;
  const consumed = (async () => {
    for await (const _ of stream) {
      received++;
      wake?.();
      if (received >= settings.events) break;
    }
  })().catch((error: unknown) => {
    if (!controller.signal.aborted) throw error;
  });
  // The subscription must be registered before the first event, or events are lost.
  for (let i = 0; emulator.activeSubscriptions() <= before; i++) {
    if (i > 500) throw new Error(`the subscription to ${topic} did not become active`);
    await sleep(5);
  }
  const metadata = { "ce-type": "com.example.tick", "ce-source": "urn:bench", "ce-datacontenttype": "application/json" };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const stopAt = t0 + settings.eventsMaxMs;
  for (let i = 0; i < settings.events && performance.now() < stopAt; i++) {
    while (i - received >= WINDOW && performance.now() < stopAt) {
      // Woken by the consumer's next event; the timer only guards against a stalled stream.
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, 50);
      });
      clearTimeout(timer);
      wake = undefined;
    }
    const data = encoder.encode(`{"symbol":"BTCUSDT","price":${60_000 + (i % 1000)},"seq":${i}}`);
    await emulator.pubsub.publish(topic, data, { ...metadata, correlationid: `c-${i}` });
  }
  // Wait (bounded) for the tail of the window to arrive.
  while (received < settings.events && performance.now() < stopAt) await sleep(1);
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  controller.abort();
  await consumed;
  if (received < settings.events) ctx.log(`  only ${received} of ${settings.events} events within ${settings.eventsMaxMs} ms`);
  return { perSecond: (received / elapsed) * 1000, cpuUsPerOp: (cpu.user + cpu.system) / received, received };
}

/** Measures item 4. */
export async function benchEvents(ctx: BenchContext): Promise<Row[]> {
  const { url, host, port } = ctx.emulator.addresses.gateway;
  const rawClient = createClient(Pubsub, createGrpcTransport({ baseUrl: url }));
  const api = new ApiClient({ host, port });
  const variants: { label: string; open: OpenSubscription }[] = [
    { label: "subscriber", open: (topic, signal) => api.pubsub.subscribeReady(topic, { signal }) },
    { label: "raw stream", open: async (topic, signal) => rawClient.subscribe({ topic }, { signal }) },
  ];
  try {
    ctx.log("item 4: events per second to one subscriber");
    const results = await interleaved(variants.length, ctx.settings.rounds, async (i, round) => {
      const r = await measureEvents(ctx, variants[i]!.open);
      ctx.log(`  round ${round + 1} · ${variants[i]!.label}: ${Math.round(r.perSecond)} ${UNIT} (${r.received} events)`);
      return r;
    });
    const [sub, raw] = results.map((rs) =>
      metric(
        UNIT,
        rs.map((r) => r.perSecond),
        rs.map((r) => r.cpuUsPerOp),
      ),
    );
    return [
      {
        label: "Events to one subscriber, `api.pubsub.subscribeReady(topic)`",
        metric: sub!,
        anchorLabel: "raw Connect stream `createClient(Pubsub, …).subscribe({ topic })`",
        anchor: raw!,
        goal: { kind: "min", limit: 0.6 },
      },
    ];
  } finally {
    await api.close();
  }
}
