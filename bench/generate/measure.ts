/**
 * Runs one plugin process on one request and measures it: wall time, peak RSS, output size.
 *
 * Peak memory comes from the kernel: every plugin runs as `node --require peak-rss-hook.cjs
 * <script>`, and the hook writes VmHWM from `/proc/self/status` (the high-water mark of the
 * process's resident set) to a file at exit — not getrusage's ru_maxrss, which on Linux carries
 * over the harness's own resident set from the fork (see the hook). While the process runs the
 * harness also samples `/proc/<pid>/status` VmHWM every 100 ms; those samples only matter when
 * the process never reaches its exit handler (a timeout kill or a crash), and the table then
 * marks the figure as a lower bound.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fromBinary } from "@bufbuild/protobuf";
import { CodeGeneratorResponseSchema } from "@bufbuild/protobuf/wkt";

/** How a run ended. */
export type RunStatus = "ok" | "error" | "timeout" | "crash";

/** What one run measured. */
export interface RunResult {
  /** ok: a response without error; error: a response carrying an error; crash: no response. */
  readonly status: RunStatus;
  /** Spawn to exit (stdout closed), in milliseconds. For a timeout: the timeout. */
  readonly wallMs: number;
  /** Peak resident set size in KiB, or undefined when nothing could be read. */
  readonly peakRssKb: number | undefined;
  /** True when the peak comes from /proc samples (process killed or crashed): a lower bound. */
  readonly peakIsLowerBound: boolean;
  /** User plus system CPU time in milliseconds, when the hook reported it. */
  readonly cpuMs: number | undefined;
  /** Total bytes of generated file contents. */
  readonly outputBytes: number;
  /** Number of generated files. */
  readonly outputFiles: number;
  /** The response's error or the tail of stderr, for error and crash. */
  readonly message: string | undefined;
}

/** What to run and its limits. */
export interface RunOptions {
  /** The Node script of the plugin. */
  readonly script: string;
  /** Bytes written to the plugin's stdin. */
  readonly stdin: Uint8Array;
  /** Kill the plugin (SIGKILL) after this many milliseconds. */
  readonly timeoutMs: number;
}

const HOOK = resolve(import.meta.dirname, "peak-rss-hook.cjs");
const SAMPLE_INTERVAL_MS = 100;

/** Reads VmHWM (peak RSS, KiB) of a live process; undefined once it is gone or off Linux. */
function sampleHighWaterKb(pid: number): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

interface HookReport {
  peakKb: number;
  source: "VmHWM" | "ru_maxrss";
  userCpuUs: number;
  systemCpuUs: number;
}

function readHookReport(file: string): HookReport | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as HookReport;
  } catch {
    return undefined;
  }
}

/** Runs the plugin once. Never rejects for plugin failures: they are results. */
export async function runPlugin(options: RunOptions): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), "bench-generate-"));
  const hookFile = join(dir, "usage.json");
  try {
    return await runInDir(options, hookFile);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function runInDir(options: RunOptions, hookFile: string): Promise<RunResult> {
  return new Promise((done) => {
    const started = performance.now();
    const child = spawn(process.execPath, ["--require", HOOK, options.script], {
      env: { ...process.env, BENCH_RESOURCE_FILE: hookFile },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let stderrBytes = 0;
    let sampledKb: number | undefined;
    let timedOut = false;
    child.stdout.on("data", (c: Buffer) => stdout.push(c));
    child.stderr.on("data", (c: Buffer) => {
      // Keep a bounded tail: a plugin stuck in a loop must not fill our memory.
      stderr.push(c);
      stderrBytes += c.length;
      while (stderrBytes > 64 * 1024 && stderr.length > 1) stderrBytes -= stderr.shift()!.length;
    });
    // A plugin that dies before reading all of stdin gives EPIPE here; the exit status says more.
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.stdin);
    const sampler = setInterval(() => {
      const kb = child.pid === undefined ? undefined : sampleHighWaterKb(child.pid);
      if (kb !== undefined) sampledKb = Math.max(sampledKb ?? 0, kb);
    }, SAMPLE_INTERVAL_MS);
    const killer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs);
    child.on("error", (err) => finish(null, err.message));
    child.on("close", (code) => finish(code, undefined));

    let finished = false;
    function finish(code: number | null, spawnError: string | undefined): void {
      if (finished) return;
      finished = true;
      const wallMs = performance.now() - started;
      clearInterval(sampler);
      clearTimeout(killer);
      const hook = readHookReport(hookFile);
      const peakRssKb = hook?.peakKb ?? sampledKb;
      const common = {
        wallMs: timedOut ? options.timeoutMs : wallMs,
        peakRssKb,
        peakIsLowerBound: hook === undefined,
        cpuMs: hook === undefined ? undefined : (hook.userCpuUs + hook.systemCpuUs) / 1000,
      };
      const none = { outputBytes: 0, outputFiles: 0 };
      if (timedOut) return done({ status: "timeout", ...common, ...none, message: undefined });
      if (code !== 0) {
        const tail = spawnError ?? Buffer.concat(stderr).toString("utf8").trim().split("\n").slice(-3).join(" | ");
        return done({ status: "crash", ...common, ...none, message: `exit ${code}: ${tail}` });
      }
      done({ ...common, ...readResponse(Buffer.concat(stdout)) });
    }
  });
}

function readResponse(bytes: Buffer): Pick<RunResult, "status" | "outputBytes" | "outputFiles" | "message"> {
  try {
    const response = fromBinary(CodeGeneratorResponseSchema, bytes);
    if (response.error !== undefined && response.error !== "") {
      return { status: "error", outputBytes: 0, outputFiles: 0, message: response.error };
    }
    let outputBytes = 0;
    for (const f of response.file) outputBytes += Buffer.byteLength(f.content ?? "", "utf8");
    return { status: "ok", outputBytes, outputFiles: response.file.length, message: undefined };
  } catch (err) {
    return { status: "crash", outputBytes: 0, outputFiles: 0, message: `unreadable response: ${String(err)}` };
  }
}

/**
 * Combines repeated runs of one cell: the median wall time and the median CPU time (each robust
 * to one run slowed by other work on the machine) and the highest peak RSS. Any non-ok run makes
 * the cell that run's result.
 */
export function combineRuns(runs: readonly RunResult[]): RunResult {
  const failed = runs.find((r) => r.status !== "ok");
  if (failed !== undefined || runs.length === 1) return failed ?? runs[0]!;
  const median = (values: number[]): number => values.sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;
  const cpu = runs.map((r) => r.cpuMs).filter((v): v is number => v !== undefined);
  const peak = Math.max(...runs.map((r) => r.peakRssKb ?? 0));
  return {
    ...runs[0]!,
    wallMs: median(runs.map((r) => r.wallMs)),
    cpuMs: cpu.length === runs.length ? median(cpu) : undefined,
    peakRssKb: peak > 0 ? peak : undefined,
    peakIsLowerBound: runs.some((r) => r.peakIsLowerBound),
  };
}
