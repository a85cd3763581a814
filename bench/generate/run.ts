/**
 * The generator benchmark: `npm run bench [-- --quick] [-- --write]`.
 *
 * Feeds our plugin, protoc-gen-es and ts-proto the same saved CodeGeneratorRequests in one run
 * and prints a markdown table of wall time, CPU time, peak RSS, output size, ratios against the
 * two anchors, and growth from the quarter-size synthetic input. See README.md in this folder.
 *
 * Flags:
 *   --quick        our protos and the quarter-size synthetic file only (a smoke run)
 *   --write        also write the report to bench/generate/results.md
 *   --runs N       run each cell up to N times; report the median time and the highest peak
 *                  (default 3). A cell whose run takes over 20 s is not repeated: its time is
 *                  dominated by the work rather than by noise, and repeats would cost minutes.
 *   --timeout S    kill a plugin after S seconds and report a timeout (default 600: ts-proto
 *                  needs over 300 s on the full synthetic file on a busy 2-core machine)
 *   --no-build     do not run `npm run build` first
 *   --plugins L    run only the plugins of the comma-separated list L of ids (ours, es,
 *                  ts-proto, floor), e.g. `--plugins ours,floor` to skip the slow anchors; the
 *                  ratio columns of an anchor not run show "—". Not with --write (results.md
 *                  is the full table).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { writeMarkdown } from "../write-markdown.js";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { combineRuns, runPlugin, type RunResult } from "./measure.js";
import { PLUGIN_IDS, resolvePlugins, type PluginId, type PluginSpec } from "./plugins.js";
import { bufBinary, captureRequest, encodeRequest, type SavedRequest } from "./requests.js";
import { FULL_SIZE, SYNTHETIC_FILE, renderSyntheticProto, scaleSize } from "./synthetic-proto.js";
import { inputsTable, resultsTable, type BenchCell, type BenchInput } from "./table.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const WORK = join(ROOT, "bench", ".work");
const RESULTS = join(ROOT, "bench", "generate", "results.md");

/** Runs longer than this are not repeated (see --runs). */
const REPEAT_LIMIT_MS = 20_000;

const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);

/** The --plugins list: known ids, at least one. */
function parsePluginList(list: string | undefined): readonly PluginId[] {
  if (list === undefined) return PLUGIN_IDS;
  const ids = list.split(",").map((id) => id.trim());
  const unknown = ids.filter((id) => !(PLUGIN_IDS as readonly string[]).includes(id));
  if (ids.length === 0 || unknown.length > 0) {
    throw new Error(`--plugins: expected a comma-separated list of ${PLUGIN_IDS.join(", ")}; got ${list}`);
  }
  return ids as PluginId[];
}

function parseFlags(): {
  quick: boolean;
  write: boolean;
  runs: number;
  timeoutMs: number;
  build: boolean;
  plugins: readonly PluginId[];
} {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      write: { type: "boolean", default: false },
      runs: { type: "string", default: "3" },
      timeout: { type: "string", default: "600" },
      "no-build": { type: "boolean", default: false },
      plugins: { type: "string" },
    },
    strict: true,
  });
  const runs = Number(values.runs);
  const timeout = Number(values.timeout);
  if (!Number.isInteger(runs) || runs < 1 || runs > 50) throw new Error(`--runs: expected 1..50, got ${values.runs}`);
  if (!(timeout > 0)) throw new Error(`--timeout: expected seconds > 0, got ${values.timeout}`);
  const plugins = parsePluginList(values.plugins);
  if (values.write && plugins.length < PLUGIN_IDS.length) throw new Error("--write needs every plugin (drop --plugins)");
  return { quick: values.quick, write: values.write, runs, timeoutMs: timeout * 1000, build: !values["no-build"], plugins };
}

/** Builds dist/ so "ours" measures the current source; a failed build is reported, not fatal. */
function build(): void {
  log("npm run build …");
  try {
    execFileSync("npm", ["run", "-s", "build"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
  } catch {
    log(
      "npm run build failed: our plugin is measured only if an earlier build left packages/protoc-gen-virtufin-ts/dist/main.js",
    );
  }
}

interface PreparedInput {
  readonly input: BenchInput;
  readonly saved: SavedRequest;
}

function prepareInputs(quick: boolean): PreparedInput[] {
  const buf = bufBinary(ROOT);
  const prepared: PreparedInput[] = [];
  log("capturing the request for proto/ …");
  const ours = captureRequest(buf, join(ROOT, "proto"), join(WORK, "virtufin"));
  prepared.push({ input: { label: "Virtufin protos", fraction: undefined, stats: ours.stats }, saved: ours });
  const fractions = quick ? [0.25] : [0.25, 0.5, 1];
  for (const fraction of fractions) {
    const size = scaleSize(FULL_SIZE, fraction);
    const dir = join(WORK, `synthetic-${fraction}`);
    const protoPath = join(dir, "proto", SYNTHETIC_FILE);
    mkdirSync(dirname(protoPath), { recursive: true });
    writeFileSync(protoPath, renderSyntheticProto(size));
    const shape = `${size.services} services × ${size.methodsPerService} methods, ${size.messages} messages`;
    log(`capturing the request for the synthetic file at ${fraction} (${shape}) …`);
    const saved = captureRequest(buf, join(dir, "proto"), dir);
    if (saved.stats.commentedLocations === 0) throw new Error(`synthetic ${fraction}: the request carries no comments`);
    const label = fraction === 1 ? "synthetic 1/1" : `synthetic 1/${Math.round(1 / fraction)}`;
    prepared.push({ input: { label, fraction, stats: saved.stats }, saved });
  }
  return prepared;
}

async function measureCell(plugin: PluginSpec, p: PreparedInput, runs: number, timeoutMs: number): Promise<RunResult> {
  const stdin = encodeRequest(p.saved, plugin.parameter);
  const results: RunResult[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await runPlugin({ script: plugin.script, stdin, timeoutMs });
    results.push(r);
    const took = `${(r.wallMs / 1000).toFixed(2)} s, ${r.peakRssKb ?? "?"} KiB`;
    log(`${p.input.label} · ${plugin.label} · run ${i + 1}: ${r.status} ${took}`);
    if (r.status !== "ok" || r.wallMs > REPEAT_LIMIT_MS) break;
  }
  return combineRuns(results);
}

/** Wall time and peak of a Node process that loads the hook and does nothing: Node's start-up. */
async function nodeStartup(): Promise<RunResult> {
  const empty = join(WORK, "empty.cjs");
  writeFileSync(empty, "// Intentionally empty: measures Node's own start-up.\n");
  return runPlugin({ script: empty, stdin: new Uint8Array(0), timeoutMs: 30_000 });
}

async function main(): Promise<void> {
  const flags = parseFlags();
  mkdirSync(WORK, { recursive: true });
  if (flags.build) build();
  const plugins = resolvePlugins(ROOT, join(WORK, "ours-snapshot")).filter((p) => flags.plugins.includes(p.id));
  for (const p of plugins) if (p.unavailable !== undefined) log(`${p.label}: ${p.unavailable}, skipped`);
  const inputs = prepareInputs(flags.quick);
  const cells: BenchCell[] = [];
  for (const p of inputs) {
    for (const plugin of plugins) {
      const result = plugin.unavailable === undefined ? await measureCell(plugin, p, flags.runs, flags.timeoutMs) : undefined;
      cells.push({ input: p.input, plugin, result });
    }
  }
  const startup = await nodeStartup();
  const report = renderReport(flags, inputs, cells, startup);
  process.stdout.write(report);
  if (flags.write) {
    await writeMarkdown(RESULTS, report);
    log(`wrote ${RESULTS}`);
  }
}

function renderReport(
  flags: ReturnType<typeof parseFlags>,
  inputs: readonly PreparedInput[],
  cells: readonly BenchCell[],
  startup: RunResult,
): string {
  const cpu = cpus();
  const model = cpu[0]?.model.trim() ?? "unknown CPU";
  const machine = `${cpu.length} × ${model}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node ${process.version}`;
  return [
    "# Generator benchmark",
    "",
    `Measured ${new Date().toISOString()} on ${machine}; ${flags.quick ? "quick mode" : "full table"}, ` +
      `up to ${flags.runs} run(s) per cell (median time, highest peak; runs over ${REPEAT_LIMIT_MS / 1000} s are not repeated), ` +
      `timeout ${flags.timeoutMs / 1000} s. Load average (1/5/15 min) at the end: ` +
      `${loadavg()
        .map((l) => l.toFixed(1))
        .join(" / ")} — other work on the machine stretches wall times.`,
    "",
    "## Inputs",
    "",
    inputsTable(inputs.map((p) => p.input)),
    "",
    "## Results",
    "",
    resultsTable(cells),
    "",
    `Wall time is spawn to exit of \`node <plugin>\`, including Node's start-up: an empty script takes ` +
      `${(startup.wallMs / 1000).toFixed(2)} s and peaks at ${startup.peakRssKb === undefined ? "?" : Math.round(startup.peakRssKb / 1024)} MB here. ` +
      "CPU time is user + system time of the plugin process (steadier than wall time on a busy machine). " +
      "Ratios are this row ÷ the anchor on the same input (below 1 is faster or smaller). " +
      "Time / quarter (CPU / quarter) is this row's wall (CPU) time ÷ the same plugin's on the quarter-size file: " +
      "about 2 (half) and 4 (full) for linear growth, 4 and 16 for quadratic.",
    "",
  ].join("\n");
}

main().catch((err: unknown) => {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exitCode = 1;
});
