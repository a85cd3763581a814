/**
 * The Redis backend's benchmark, in one run on one machine: events/s to one subscriber and
 * request-reply round trips/s through three emulator replicas on Redis, against one in-memory
 * emulator and against `redis-benchmark` XADD/XREAD on the same Redis server. Prints a markdown
 * report with the ratios; `--write` also writes bench/redis/results.md. `--quick`: fewer events.
 *
 *   npx tsx bench/redis/run.ts [--quick] [--write]
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { WorkManagerClient } from "../../generated/virtufin/workmanager_client.js";
import { ApiClient } from "../../platform/api-client.js";
import { startSystems, type EmulatorProc } from "./cluster.js";

const quick = process.argv.includes("--quick");
const write = process.argv.includes("--write");
const EVENTS = quick ? 1_000 : 5_000;
const RR_MS = quick ? 2_000 : 6_000;
const IN_FLIGHT = 16;
const log = (line: string) => process.stderr.write(`bench/redis: ${line}\n`);

/** Events/s from a publisher (IN_FLIGHT publishes at a time) to one subscriber. */
async function eventsPerSecond(pubPort: number, subPort: number): Promise<number> {
  const sub = new ApiClient({ host: "127.0.0.1", port: subPort });
  const pub = new ApiClient({ host: "127.0.0.1", port: pubPort });
  const topic = `bench-events-${Date.now()}-${subPort}`;
  const stop = new AbortController();
  try {
    const events = await sub.pubsub.subscribeReady(topic, { signal: stop.signal });
    let received = 0;
    const done = (async () => {
      for await (const _ of events) if (++received >= EVENTS) break;
    })();
    const started = performance.now();
    let next = 0;
    const payload = { text: "x".repeat(100) };
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async () => {
        while (next < EVENTS) {
          next++;
          await pub.pubsub.publish(topic, payload);
        }
      }),
    );
    await done;
    return EVENTS / ((performance.now() - started) / 1000);
  } finally {
    stop.abort();
    await sub.close();
    await pub.close();
  }
}

const JS_WORKER = `function Process(event) { return { type: "bench-reply", source: "js", data: event.data }; }`;

/** Round trips/s of publishWithResult to a JavaScript worker, clients spread over `ports`. */
async function roundTripsPerSecond(workmanager: number, ports: readonly number[], topic: string): Promise<number> {
  const wm = new WorkManagerClient({ host: "127.0.0.1", port: workmanager });
  const id = await wm.createWorker({
    codeSource: { source: { case: "content", value: new TextEncoder().encode(JS_WORKER) } },
    mimeType: "text/javascript",
    topic,
  });
  await wm.startWorker(id);
  await new Promise((resolve) => setTimeout(resolve, 2_500)); // the other replicas follow the registry
  const clients = ports.map((port) => new ApiClient({ host: "127.0.0.1", port }));
  try {
    const ask = (i: number) =>
      clients[i % clients.length]!.pubsub.publishWithResult({
        topic,
        data: { i },
        replyTopic: `${topic}-replies-${i % clients.length}`,
        timeoutMs: 30_000,
      });
    for (let i = 0; i < 50; i++) await ask(i); // warm-up
    let count = 0;
    const started = performance.now();
    const ends = started + RR_MS;
    await Promise.all(
      Array.from({ length: IN_FLIGHT }, async (_, lane) => {
        for (let i = lane; performance.now() < ends; i += IN_FLIGHT) {
          await ask(i);
          count++;
        }
      }),
    );
    return count / ((performance.now() - started) / 1000);
  } finally {
    for (const client of clients) await client.close();
    await wm.deleteWorker(id);
    await wm.close();
  }
}

/** Requests/s of one redis-benchmark command (IN_FLIGHT clients, no pipelining). */
function redisBenchmark(port: number, requests: number, command: string[]): number {
  const result = spawnSync(
    "redis-benchmark",
    ["-h", "127.0.0.1", "-p", String(port), "-c", String(IN_FLIGHT), "-n", String(requests), "--csv", ...command],
    { encoding: "utf8" },
  );
  if (result.status !== 0)
    throw new Error(`redis-benchmark failed (install it with apt-get install -y redis-tools):\n${result.stderr}`);
  const last = result.stdout.trim().split("\n").pop() ?? "";
  return Number(last.split(",")[1]?.replace(/"/g, ""));
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

async function main(): Promise<void> {
  const load = loadavg()[0]!.toFixed(1);
  log(`starting Redis, 3 replicas and an in-memory emulator (load ${load})`);
  const systems = await startSystems();
  try {
    const [a, b, c] = systems.replicas as [EmulatorProc, EmulatorProc, EmulatorProc];
    const m = systems.memory;
    log("events/s, in-memory");
    const memEvents = await eventsPerSecond(m.gateway, m.gateway);
    log("events/s, Redis, publisher on replica 1, subscriber on replica 2");
    const redisEvents = await eventsPerSecond(a.gateway, b.gateway);
    log("round trips/s, in-memory");
    const memRr = await roundTripsPerSecond(m.workmanager, [m.gateway], "bench-rr-mem");
    log("round trips/s, Redis, clients on all 3 replicas");
    const redisRr = await roundTripsPerSecond(a.workmanager, [a.gateway, b.gateway, c.gateway], "bench-rr-redis");
    log("redis-benchmark XADD and XREAD");
    const xadd = redisBenchmark(systems.redis.port, quick ? 20_000 : 100_000, [
      "XADD",
      "bench:xadd",
      "MAXLEN",
      "~",
      "10000",
      "*",
      "data",
      "x".repeat(100),
    ]);
    const xread =
      redisBenchmark(systems.redis.port, quick ? 5_000 : 20_000, ["XREAD", "COUNT", "100", "STREAMS", "bench:xadd", "0"]) * 100;

    const report = [
      `# Redis backend benchmark (\`npx tsx bench/redis/run.ts${quick ? " --quick" : ""}\`)`,
      "",
      `Measured ${new Date().toISOString().slice(0, 16)} UTC on this project's 2-core machine, load average ${load} at the start`,
      `(other work was running). ${IN_FLIGHT} requests in flight everywhere; events carry ~110 bytes of JSON.`,
      "Every emulator is its own Node process (CLI, through tsx); Redis has no AOF here.",
      "",
      "| measurement | 3 replicas on Redis | in-memory emulator | Redis vs in-memory | redis-benchmark on the same server | emulator vs raw Redis |",
      "|---|---|---|---|---|---|",
      `| events/s to one subscriber (publisher on another replica) | ${fmt(redisEvents)} | ${fmt(memEvents)} | ${ratio(redisEvents, memEvents)} | XADD ${fmt(xadd)}/s, XREAD ${fmt(xread)} entries/s | ${((redisEvents / xadd) * 100).toFixed(2)} % of XADD |`,
      `| request-reply round trips/s (JavaScript worker) | ${fmt(redisRr)} | ${fmt(memRr)} | ${ratio(redisRr, memRr)} | — | — |`,
      "",
    ].join("\n");
    process.stdout.write(report);
    if (write) writeFileSync(new URL("./results.md", import.meta.url), report);
  } finally {
    await systems.stop();
  }
}

await main();
