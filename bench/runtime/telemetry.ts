/**
 * The telemetry benchmark: `npm run bench:telemetry [-- --quick] [-- --write] [-- --baseline <rev>]`.
 *
 * The generated client's unary call (`GatewayClient.listServices()` against the emulator in
 * this process, which itself traces nothing) in three variants, measured in one run with rounds
 * interleaved: today's client without telemetry (the runtime and generated code of the commit
 * before telemetry, extracted with `git archive`), the current client with telemetry off (no
 * SDK registered), and the current client with a real OpenTelemetry SDK (tracer and meter
 * providers, batch span processor) whose exporters discard everything. Goals: off ≤ 1.02× and
 * SDK ≤ 1.15× of today's, for p50 latency and for throughput at 64 in flight.
 *
 * Self-contained on purpose: the other runtime benchmarks are being rewritten for
 * out-of-process runs, and this one must not depend on their helpers.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { createContextValues } from "@connectrpc/connect";
import { startEmulator } from "../../emulator/index.js";
import { loadTelemetry, RPC_SPAN_KEY } from "../../runtime/telemetry/index.js";
import { GatewayClient } from "../../generated/virtufin/gateway_client.js";

const ROOT = resolve(import.meta.dirname, "../..");
const RESULTS = join(import.meta.dirname, "telemetry-results.md");

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    write: { type: "boolean", default: false },
    baseline: { type: "string" },
  },
  strict: true,
});
const settings = flags.quick
  ? { rounds: 2, warmUp: 100, latencyCalls: 300, rateMs: 400, concurrency: 64 }
  : { rounds: 6, warmUp: 300, latencyCalls: 1_500, rateMs: 1_000, concurrency: 64 };
const t0 = performance.now();
const log = (line: string) =>
  process.stderr.write(`[bench:telemetry +${((performance.now() - t0) / 1000).toFixed(1)} s] ${line}\n`);

/** The commit before telemetry: the parent of the commit that added runtime/telemetry. */
function baselineRevision(): string {
  if (flags.baseline) return flags.baseline;
  const added = execFileSync("git", ["log", "--diff-filter=A", "--format=%H", "--", "runtime/telemetry/telemetry.ts"], {
    cwd: ROOT,
    encoding: "utf8",
  })
    .trim()
    .split("\n");
  return `${added[added.length - 1]}^`;
}

/** Extracts today's runtime and generated code into a folder inside the repository (so node_modules resolve). */
function extractBaseline(revision: string): string {
  const dir = join(ROOT, "bench", ".work", "telemetry-baseline");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const archive = execFileSync("git", ["archive", "--format=tar", revision, "runtime", "generated"], {
    cwd: ROOT,
    maxBuffer: 64 * 1024 * 1024,
  });
  execFileSync("tar", ["-x", "-C", dir], { input: archive });
  return dir;
}

/** ExportResultCode.SUCCESS of @opentelemetry/core (a transitive package, not imported for one constant). */
const SUCCESS = 0;

/** Exporters that accept everything and keep nothing: the cost of the SDK, not of a backend. */
const noopSpans: SpanExporter = { export: (_spans, done) => done({ code: SUCCESS }), shutdown: async () => undefined };
const noopMetrics: PushMetricExporter = {
  export: (_metrics, done) => done({ code: SUCCESS }),
  forceFlush: async () => undefined,
  shutdown: async () => undefined,
};

type Call = () => Promise<unknown>;

async function latency(call: Call, calls: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    await call();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Calls per second with `concurrency` in flight, and the process CPU time per call (µs): steadier on a shared machine. */
async function rate(call: Call, ms: number, concurrency: number): Promise<{ perSecond: number; cpuUs: number }> {
  const end = performance.now() + ms;
  let ops = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await call();
        ops++;
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  return { perSecond: ops / ((performance.now() - start) / 1000), cpuUs: (used.user + used.system) / ops };
}

/**
 * What telemetry adds to one call by itself, without a network: the client core's span start,
 * the trace context headers, the span's end and the duration histogram, on the real SDK.
 * Steadier than the end-to-end figures on a shared machine, and their explanation.
 */
async function ownCost(
  tracerProvider: BasicTracerProvider,
  meterProvider: MeterProvider,
  calls: number,
): Promise<{ wallUs: number; cpuUs: number }> {
  const telemetry = (await loadTelemetry({ tracerProvider, meterProvider }))!;
  const server = { address: "127.0.0.1", port: 5002 };
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < calls; i++) {
    const values = createContextValues();
    const rpc = telemetry.startRpc("virtufin.Gateway", "ListServices", server, telemetry.parent(values), "client");
    values.set(RPC_SPAN_KEY, rpc);
    telemetry.injectHeaders(rpc.span, new Headers());
    telemetry.endRpc(rpc);
    values.delete(RPC_SPAN_KEY);
  }
  const used = process.cpuUsage(cpu);
  return { wallUs: ((performance.now() - start) * 1000) / calls, cpuUs: (used.user + used.system) / calls };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function main(): Promise<void> {
  const revision = baselineRevision();
  const baselineDir = extractBaseline(revision);
  const emulator = await startEmulator({ ports: 0, logLevel: "warn" });
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(noopSpans)] });
  const meterProvider = new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter: noopMetrics, exportIntervalMillis: 10_000 })],
  });
  const { host, port } = emulator.addresses.gateway;
  try {
    const today = (await import(join(baselineDir, "generated/virtufin/gateway_client.ts"))) as {
      GatewayClient: typeof GatewayClient;
    };
    const variants: [string, { listServices(): Promise<unknown>; close(): Promise<void> }][] = [
      ["today's client (before telemetry)", new today.GatewayClient({ host, port })],
      ["telemetry off (no SDK registered)", new GatewayClient({ host, port })],
      ["real SDK, no-op exporters", new GatewayClient({ host, port, telemetry: { tracerProvider, meterProvider } })],
    ];
    for (const [, client] of variants) for (let i = 0; i < settings.warmUp; i++) await client.listServices();
    const p50s: number[][] = variants.map(() => []);
    const rates: number[][] = variants.map(() => []);
    const cpuPerCall: number[][] = variants.map(() => []);
    for (let round = 0; round < settings.rounds; round++) {
      // Alternate the order so that no variant always runs on a warmer or busier machine.
      const order = variants.map((_, i) => (round % 2 === 0 ? i : variants.length - 1 - i));
      for (const v of order) {
        const call = () => variants[v]![1].listServices();
        p50s[v]!.push(await latency(call, settings.latencyCalls));
        const measured = await rate(call, settings.rateMs, settings.concurrency);
        rates[v]!.push(measured.perSecond);
        cpuPerCall[v]!.push(measured.cpuUs);
      }
      log(`round ${round + 1}/${settings.rounds}`);
    }
    const p50 = p50s.map(median);
    const perSecond = rates.map(median);
    const cpuUs = cpuPerCall.map(median);
    const rows = variants.map(([label], i) => {
      const latencyRatio = p50[i]! / p50[0]!;
      const rateRatio = perSecond[0]! / perSecond[i]!;
      const cpuRatio = cpuUs[i]! / cpuUs[0]!;
      const limit = i === 1 ? 1.02 : i === 2 ? 1.15 : undefined;
      const verdict =
        limit === undefined
          ? "anchor"
          : latencyRatio <= limit && rateRatio <= limit
            ? `≤ ${limit}×: **met**`
            : `≤ ${limit}×: **missed**`;
      return `| ${label} | ${p50[i]!.toFixed(3)} ms | ${latencyRatio.toFixed(3)}× | ${Math.round(perSecond[i]!).toLocaleString("en-US")} calls/s | ${rateRatio.toFixed(3)}× | ${cpuUs[i]!.toFixed(0)} µs | ${cpuRatio.toFixed(3)}× | ${verdict} |`;
    });
    const own = await ownCost(tracerProvider, meterProvider, flags.quick ? 20_000 : 100_000);
    const report = [
      `Generated \`GatewayClient.listServices()\` against the in-process emulator, ${settings.rounds} interleaved rounds (medians), ` +
        `${settings.concurrency} in flight for throughput; baseline ${revision} (${execFileSync("git", ["rev-parse", "--short", revision], { cwd: ROOT, encoding: "utf8" }).trim()}); ` +
        `${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(1)}${flags.quick ? "; --quick (noisy)" : ""}.`,
      "",
      "| variant | unary p50 | vs today | throughput | time per call vs today | CPU per call (client + emulator) | vs today | goal (wall figures) |",
      "|---|--:|--:|--:|--:|--:|--:|---|",
      ...rows,
      "",
      `Telemetry's own cost per call with the real SDK, no network (span, trace context headers, duration histogram): ` +
        `${own.wallUs.toFixed(1)} µs wall, ${own.cpuUs.toFixed(1)} µs CPU, i.e. ${((own.cpuUs / cpuUs[0]!) * 100).toFixed(1)}% of today's CPU per call above.`,
    ].join("\n");
    process.stdout.write(`${report}\n`);
    if (flags.write) {
      writeFileSync(
        RESULTS,
        `# Telemetry benchmark results\n\n\`npm run bench:telemetry\` (see bench/runtime/telemetry.ts).\n\n${report}\n`,
      );
      log(`written to ${RESULTS}`);
    }
    for (const [, client] of variants) await client.close();
  } finally {
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
    await emulator.stop();
    rmSync(baselineDir, { recursive: true, force: true });
  }
}

await main();
