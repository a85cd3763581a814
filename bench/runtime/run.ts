/**
 * The runtime benchmark: `npm run bench:runtime [-- --quick] [-- --write]`.
 *
 * Starts the emulator in this process and measures, in one run: the generated direct client vs
 * a raw Connect client, a typed gateway proxy call vs a direct call,
 * request-reply round trips over pub/sub, and events per second to one subscriber vs a raw
 * server stream. Prints a markdown table with anchors, ratios and goals. See README.md here.
 *
 * Flags:
 *   --quick   one round with short bounds (a smoke run, under ~20 s)
 *   --write   also write the report to bench/runtime/results.md and copy it into README.md
 *   --only in-process | out-of-process   run one part only (default: both)
 *   --items unary,stream,proxy,request-reply,memory   out of process, only these items (default: all)
 *   --cpu-prof-dir DIR   write V8 CPU profiles of the server processes there (out of process)
 */
import { readFileSync } from "node:fs";
import { writeMarkdown } from "../write-markdown.js";
import { cpus, loadavg, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { startEmulator } from "../../emulator/index.js";
import { benchClientSide } from "./client-side.js";
import { FULL, QUICK, type BenchContext, type Settings } from "./context.js";
import { benchEvents } from "./events.js";
import { benchGatewayProxy } from "./gateway-proxy.js";
import { benchRequestReply } from "./request-reply.js";
import { cpuVerdict, resultsTable, verdict, type Row } from "./table.js";
import { benchUnary } from "./unary.js";
import { memoryTable, type MemoryFigures } from "./remote/memory.js";
import { benchOutOfProcess } from "./remote/out-of-process.js";

const RESULTS = join(resolve(import.meta.dirname), "results.md");
const README = join(resolve(import.meta.dirname), "README.md");

const t0 = performance.now();
const log = (line: string): void =>
  void process.stderr.write(`[bench:runtime +${((performance.now() - t0) / 1000).toFixed(1)} s] ${line}\n`);

interface Flags {
  readonly quick: boolean;
  readonly write: boolean;
  readonly inProcess: boolean;
  readonly outOfProcess: boolean;
  readonly cpuProfDir: string | undefined;
  readonly items: ReadonlySet<string> | undefined;
}

function parseFlags(): Flags {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      write: { type: "boolean", default: false },
      only: { type: "string" },
      "cpu-prof-dir": { type: "string" },
      items: { type: "string" },
    },
    strict: true,
  });
  if (values.only !== undefined && values.only !== "in-process" && values.only !== "out-of-process") {
    throw new Error(`--only takes in-process or out-of-process, not "${values.only}"`);
  }
  return {
    quick: values.quick,
    write: values.write,
    inProcess: values.only !== "out-of-process",
    outOfProcess: values.only !== "in-process",
    cpuProfDir: values["cpu-prof-dir"],
    items: values.items === undefined ? undefined : new Set(values.items.split(",")),
  };
}

/** Runs one scenario; a failure becomes a row saying so instead of ending the whole run. */
async function scenario<T>(name: string, run: () => Promise<T>, failed: Row[]): Promise<T | undefined> {
  try {
    return await run();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`${name} failed: ${error instanceof Error ? (error.stack ?? message) : message}`);
    failed.push({ label: name, metric: `failed: ${message.slice(0, 160)}`, anchorLabel: "—", anchor: "—" });
    return undefined;
  }
}

async function main(): Promise<void> {
  const flags = parseFlags();
  const settings = flags.quick ? QUICK : FULL;
  const started = performance.now();
  const rows: Row[] = flags.inProcess ? await inProcess(settings) : [];
  const remote = flags.outOfProcess
    ? await benchOutOfProcess({ settings, log }, scenario, {
        ...(flags.cpuProfDir ? { serverNodeFlags: ["--cpu-prof", `--cpu-prof-dir=${flags.cpuProfDir}`] } : {}),
        ...(flags.items ? { items: flags.items } : {}),
      })
    : { rows: [], memory: [] };
  const seconds = (performance.now() - started) / 1000;
  const report = renderReport(flags, settings, rows, remote.rows, remote.memory, seconds);
  process.stdout.write(report);
  if (flags.write) {
    await writeMarkdown(RESULTS, report);
    log(`wrote ${RESULTS}`);
    await writeReadmeResults(report);
  }
  log(`done in ${seconds.toFixed(1)} s`);
}

/** The in-process items: client, emulator and responders in this one process. */
async function inProcess(settings: Settings): Promise<Row[]> {
  const emulator = await startEmulator({ ports: 0, logLevel: "warn" });
  const ctx: BenchContext = { emulator, settings, log };
  const rows: Row[] = [];
  try {
    const unary = await scenario("item 1: generated client vs raw Connect", () => benchUnary(ctx), rows);
    if (unary) rows.push(...unary.rows);
    const proxy = await scenario("item 2: Gateway route vs direct", () => benchGatewayProxy(ctx), rows);
    if (proxy) rows.push(...proxy);
    const client = await scenario("client side (in-memory transport)", () => benchClientSide(ctx), rows);
    if (client) rows.push(...client);
    const rr = await scenario("item 3: request-reply", () => benchRequestReply(ctx), rows);
    if (rr) rows.push(...rr);
    const events = await scenario("item 4: events to one subscriber", () => benchEvents(ctx), rows);
    if (events) rows.push(...events);
  } finally {
    await emulator.stop();
  }
  return rows;
}

/** Copies the report's body (without its title) between the README's results markers. */
async function writeReadmeResults(report: string): Promise<void> {
  const readme = readFileSync(README, "utf8");
  const begin = "<!-- results -->";
  const end = "<!-- /results -->";
  const from = readme.indexOf(begin);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) {
    log(`README.md has no ${begin} … ${end} section; not updated`);
    return;
  }
  const body = report.replace(/^# .*\n+/, "").trimEnd();
  await writeMarkdown(README, `${readme.slice(0, from + begin.length)}\n${body}\n${readme.slice(to)}`);
  log(`updated the results section of ${README}`);
}

function renderReport(
  flags: Flags,
  s: Settings,
  rows: readonly Row[],
  remoteRows: readonly Row[],
  memory: readonly MemoryFigures[],
  seconds: number,
): string {
  const cpu = cpus();
  const model = cpu[0]?.model.trim() ?? "unknown CPU";
  const machine = `${cpu.length} × ${model}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}`;
  const summary = (list: readonly Row[]): string => {
    const judged = list.filter((r) => r.goal);
    const count = (judge: (r: Row) => string, word: string): number => judged.filter((r) => judge(r).includes(word)).length;
    return (
      `Goals met on wall time: ${count(verdict, "PASS")} of ${judged.length} (missed ${count(verdict, "MISS")}); ` +
      `on CPU time: ${count(cpuVerdict, "PASS")} of ${judged.length} (missed ${count(cpuVerdict, "MISS")}).`
    );
  };
  const out = [
    "# Runtime benchmark",
    "",
    `Measured ${new Date().toISOString()} on ${machine}; ${flags.quick ? "quick mode" : "full run"} in ${seconds.toFixed(0)} s. ` +
      `Load average (1/5/15 min) at the end: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(" / ")} — other work on the machine stretches wall times.`,
    "",
    `Each figure is the median of ${s.rounds} round(s). ` +
      `Latency: up to ${s.latencyCalls} calls per variant one at a time, the variants taking turns of 20 calls (at most ${s.latencyMaxMs / 1000} s per variant), after ${s.warmUpCalls} + ${s.warmUpCalls} warm-up calls. ` +
      `Throughput: ${s.concurrency} calls in flight, ${s.rateMs / 1000} s per variant per round in ${s.rateSlices} alternating slice(s). Events: ${s.events.toLocaleString("en-US")} events (at most ${s.eventsMaxMs / 1000} s). ` +
      "Ratio (wall) = result ÷ anchor, as the median of the per-round ratios (in parentheses: the lowest and highest round); " +
      "latency goals are upper bounds on the ratio, throughput goals lower bounds. " +
      "Ratio (CPU) is the same comparison made with CPU time per operation (for throughput: anchor CPU ÷ CPU). Rows without a goal are for information.",
    "",
  ];
  if (remoteRows.length > 0) {
    out.push(
      "## Out of process",
      "",
      "Server in its own Node process (the emulator, or the plain `@grpc/grpc-js` reference server), clients in the measuring process, " +
        "request-reply responders in a third. CPU / op is the measuring (client) process's user + system CPU time per operation.",
      "",
      resultsTable(remoteRows),
      "",
      summary(remoteRows),
      "",
    );
  }
  if (memory.length > 0) {
    out.push(
      "## Memory",
      "",
      "Growth of V8 heap + external + ArrayBuffer memory of the client process after a full GC: 50 clients that each made one call and sit idle, " +
        "then one client holding 100 open `Pubsub.Subscribe` streams to the emulator process.",
      "",
      memoryTable(memory),
      "",
    );
  }
  if (rows.length > 0) {
    out.push(
      "## In process",
      "",
      "Client, emulator and responders share one Node process; CPU / op is that process's user + system CPU time per operation — client and emulator together.",
      "",
      resultsTable(rows),
      "",
      summary(rows),
      "",
    );
  }
  return out.join("\n");
}

main().catch((err: unknown) => {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
