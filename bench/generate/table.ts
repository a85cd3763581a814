/**
 * Formats benchmark results as markdown: an inputs table, then one row per input × plugin with
 * time, peak RSS, output size, ratios against the two anchors and growth against the quarter.
 */
import type { RunResult } from "./measure.js";
import type { PluginId, PluginSpec } from "./plugins.js";
import type { RequestStats } from "./requests.js";

/** One benchmark input. */
export interface BenchInput {
  /** Row label, e.g. "synthetic 1/4". */
  readonly label: string;
  /** Fraction of the full synthetic size, or undefined for a non-synthetic input. */
  readonly fraction: number | undefined;
  /** What the request holds. */
  readonly stats: RequestStats;
}

/** One measured (or skipped) cell of the table. */
export interface BenchCell {
  readonly input: BenchInput;
  readonly plugin: PluginSpec;
  /** Undefined when the plugin is unavailable (e.g. not built) and was not run. */
  readonly result: RunResult | undefined;
}

const fmtSeconds = (ms: number): string => (ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`);
const fmtMb = (kb: number): string =>
  kb < 10 * 1024 ? `${(kb / 1024).toFixed(1)} MB` : `${Math.round(kb / 1024).toLocaleString("en-US")} MB`;
const fmtBytes = (b: number): string => (b < 1024 * 1024 ? `${(b / 1024).toFixed(1)} KB` : `${(b / 1024 / 1024).toFixed(1)} MB`);
const fmtRatio = (r: number): string => (r < 0.1 ? r.toPrecision(2) : r < 10 ? r.toFixed(2) : r.toFixed(1)) + "×";

/** Markdown table describing the inputs. */
export function inputsTable(inputs: readonly BenchInput[]): string {
  const rows = inputs.map((i) => {
    const s = i.stats;
    const n = (v: number): string => v.toLocaleString("en-US");
    const cols = [i.label, s.files, s.services, s.methods, s.messages, n(s.locations), n(s.commentedLocations)];
    return `| ${cols.join(" | ")} | ${fmtBytes(s.bytes)} |`;
  });
  return [
    "| Input | Files | Services | Methods | Messages | Source locations | With comments | Request |",
    "|---|--:|--:|--:|--:|--:|--:|--:|",
    ...rows,
  ].join("\n");
}

/**
 * A ratio of this cell to an anchor cell on the same input. A timed-out side turns the ratio into
 * a bound: we only know the timed-out run took at least the timeout.
 */
function ratio(cell: BenchCell, anchor: BenchCell | undefined, pick: (r: RunResult) => number | undefined): string {
  const a = anchor?.result;
  const c = cell.result;
  if (a === undefined || c === undefined) return "—";
  const okOrTimeout = (r: RunResult): boolean => r.status === "ok" || r.status === "timeout";
  if (!okOrTimeout(a) || !okOrTimeout(c)) return "—";
  const av = pick(a);
  const cv = pick(c);
  if (av === undefined || cv === undefined || av === 0) return "—";
  if (a.status === "timeout" && c.status === "timeout") return "—";
  if (a.status === "timeout") return `≤ ${fmtRatio(cv / av)}`;
  if (c.status === "timeout") return `≥ ${fmtRatio(cv / av)}`;
  return fmtRatio(cv / av);
}

function statusText(cell: BenchCell): string {
  const r = cell.result;
  if (r === undefined) return cell.plugin.unavailable ?? "not run";
  switch (r.status) {
    case "ok":
      return fmtSeconds(r.wallMs);
    case "timeout":
      return `timeout (> ${fmtSeconds(r.wallMs)})`;
    case "error":
    case "crash":
      return `${r.status}: ${(r.message ?? "").replaceAll("|", "\\|").slice(0, 120)}`;
  }
}

function rssText(r: RunResult | undefined): string {
  if (r?.peakRssKb === undefined) return "—";
  return (r.peakIsLowerBound ? "≥ " : "") + fmtMb(r.peakRssKb);
}

/** Growth of wall or CPU time against the quarter-size synthetic input of the same plugin. */
function growth(cell: BenchCell, cells: readonly BenchCell[], pick: (r: RunResult) => number | undefined): string {
  const f = cell.input.fraction;
  if (f === undefined || f === 0.25) return "—";
  const base = cells.find((c) => c.plugin.id === cell.plugin.id && c.input.fraction === 0.25)?.result;
  const r = cell.result;
  const b = base?.status === "ok" ? pick(base) : undefined;
  const v = r === undefined ? undefined : pick(r);
  if (b === undefined || v === undefined || r === undefined) return "—";
  if (r.status === "ok") return fmtRatio(v / b);
  if (r.status === "timeout") return `≥ ${fmtRatio(v / b)}`;
  return "—";
}

/** The main results table in markdown. */
export function resultsTable(cells: readonly BenchCell[]): string {
  const anchor = (cell: BenchCell, id: PluginId): BenchCell | undefined =>
    cells.find((c) => c.input === cell.input && c.plugin.id === id);
  const wall = (r: RunResult): number => r.wallMs;
  const rss = (r: RunResult): number | undefined => r.peakRssKb;
  const cpu = (r: RunResult): number | undefined => r.cpuMs;
  const rows = cells.map((cell) => {
    const r = cell.result;
    const output =
      r?.status === "ok" ? `${fmtBytes(r.outputBytes)} (${r.outputFiles} file${r.outputFiles === 1 ? "" : "s"})` : "—";
    return [
      cell.input.label,
      cell.plugin.label,
      statusText(cell),
      r?.cpuMs === undefined ? "—" : fmtSeconds(r.cpuMs),
      rssText(r),
      output,
      ratio(cell, anchor(cell, "es"), wall),
      ratio(cell, anchor(cell, "ts-proto"), wall),
      ratio(cell, anchor(cell, "es"), rss),
      ratio(cell, anchor(cell, "ts-proto"), rss),
      growth(cell, cells, wall),
      growth(cell, cells, cpu),
    ];
  });
  return [
    "| Input | Plugin | Wall time | CPU time | Peak RSS | Output | Time vs es | Time vs ts-proto " +
      "| RSS vs es | RSS vs ts-proto | Time / quarter | CPU / quarter |",
    "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ...rows.map((cols) => `| ${cols.join(" | ")} |`),
  ].join("\n");
}
