/**
 * Memory per idle client and per open stream, measured in this (client) process against a
 * server process: N clients each make one call and then sit idle; then one client of each kind
 * holds M open `Pubsub.Subscribe` streams. The figure is the growth of V8 heap + external +
 * ArrayBuffer memory after a full GC, divided by N (or M). RSS moves in pages and is not used.
 */
import { randomUUID } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { sleep } from "../../../runtime/sleep.js";
import type { BenchContext } from "../context.js";
import { connectClient, generatedClient, generatedHttp2Client, grpcJsClient, type AnchorClient } from "./anchor-clients.js";
import type { ServerProcess } from "./server-process-handle.js";

/** Bytes per idle client and per open stream of one client kind. */
export interface MemoryFigures {
  readonly label: string;
  readonly perIdleClient: number;
  readonly perOpenStream: number;
}

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

async function used(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await sleep(20);
  }
  const m = process.memoryUsage();
  return m.heapUsed + m.external + m.arrayBuffers;
}

/** Measures every client kind; `clients` idle clients and `streams` open streams each. */
export async function measureMemory(
  ctx: Pick<BenchContext, "log">,
  server: ServerProcess,
  clients = 50,
  streams = 100,
): Promise<MemoryFigures[]> {
  const { gateway } = server.ready;
  const kinds: ((g: typeof gateway) => AnchorClient)[] = [
    (g) => generatedClient(g),
    (g) => generatedHttp2Client(g),
    (g) => connectClient(g.url),
    (g) => grpcJsClient(g),
  ];
  const out: MemoryFigures[] = [];
  for (const make of kinds) {
    const base = await used();
    const idle = Array.from({ length: clients }, () => make(gateway));
    for (const c of idle) await c.listServices();
    const withIdle = await used();
    const label = idle[0]!.label;
    await Promise.all(idle.map((c) => c.close()));
    const one = make(gateway);
    await one.listServices();
    const before = await used();
    const controller = new AbortController();
    const open0 = await server.subscriptions();
    const readers = Array.from({ length: streams }, () =>
      (async () => {
        for await (const _ of one.subscribe(`bench-mem-${randomUUID()}`, controller.signal)) void _;
      })().catch(() => undefined),
    );
    for (let i = 0; (await server.subscriptions()) < open0 + streams && i < 1_000; i++) await sleep(10);
    const withStreams = await used();
    controller.abort();
    await Promise.all(readers);
    await one.close();
    const figures = { label, perIdleClient: (withIdle - base) / clients, perOpenStream: (withStreams - before) / streams };
    ctx.log(
      `  memory · ${label}: ${Math.round(figures.perIdleClient)} B per idle client, ${Math.round(figures.perOpenStream)} B per open stream`,
    );
    out.push(figures);
  }
  return out;
}

/** The figures as a markdown table. */
export function memoryTable(figures: readonly MemoryFigures[]): string {
  const kb = (b: number): string => `${(b / 1024).toFixed(1)} KiB`;
  return [
    "| Client | Per idle client (one call made, connection open) | Per open server stream |",
    "|---|--:|--:|",
    ...figures.map((f) => `| ${f.label} | ${kb(f.perIdleClient)} | ${kb(f.perOpenStream)} |`),
  ].join("\n");
}
