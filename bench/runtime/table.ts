/**
 * The rows of the runtime benchmark and their markdown table: each measurement next to its
 * anchor, the ratio, the goal and PASS/MISS.
 */

/** A measured figure: the median over rounds, with every round's value kept for the spread. */
export interface Metric {
  /** Median over rounds. */
  readonly value: number;
  /** What `value` counts: "ms" (a latency) or a rate unit such as "calls/s". */
  readonly unit: string;
  /** Each round's value. */
  readonly rounds: readonly number[];
  /** Median process CPU time per operation, µs (client and in-process emulator together). */
  readonly cpuUsPerOp?: number;
  /** Each round's CPU time per operation, µs. */
  readonly cpuRounds?: readonly number[];
}

/** A goal on the ratio measurement ÷ anchor. */
export interface Goal {
  /** "max": the ratio must not exceed `limit` (latencies); "min": must reach it (rates). */
  readonly kind: "max" | "min";
  /** The limit on the ratio. */
  readonly limit: number;
}

/** One line of the table. A string instead of a metric says why there is no figure. */
export interface Row {
  /** What is measured, e.g. "unary p50 latency, generated GatewayClient.listServices()". */
  readonly label: string;
  /** The figure, or why it is missing ("missing: …", "failed: …"). */
  readonly metric: Metric | string;
  /** What the figure is compared with. */
  readonly anchorLabel: string;
  /** The anchor's figure, or why it is missing. */
  readonly anchor: Metric | string;
  /** The goal, or undefined for an informational row. */
  readonly goal?: Goal;
}

/** Builds a metric from per-round values (and optional per-round CPU µs per op). */
export function metric(unit: string, rounds: readonly number[], cpuRounds?: readonly number[]): Metric {
  return { value: medianOf(rounds), unit, rounds, ...(cpuRounds ? { cpuUsPerOp: medianOf(cpuRounds), cpuRounds } : {}) };
}

function medianOf(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const fmtNumber = (v: number, unit: string): string => {
  if (!Number.isFinite(v)) return "—";
  if (unit === "ms") return v < 1 ? v.toFixed(3) : v < 10 ? v.toFixed(2) : v.toFixed(1);
  return Math.round(v).toLocaleString("en-US");
};

/** "0.215 ms" or "12,345 calls/s". */
export function fmtMetric(m: Metric): string {
  return `${fmtNumber(m.value, m.unit)} ${m.unit}`;
}

/** The spread over rounds, "min–max", or "—" for a single round. */
function fmtSpread(m: Metric | string): string {
  if (typeof m === "string" || m.rounds.length < 2) return "—";
  const lo = Math.min(...m.rounds);
  const hi = Math.max(...m.rounds);
  return `${fmtNumber(lo, m.unit)}–${fmtNumber(hi, m.unit)}`;
}

const fmtCpu = (m: Metric | string): string =>
  typeof m === "string" || m.cpuUsPerOp === undefined
    ? "—"
    : `${m.cpuUsPerOp < 100 ? m.cpuUsPerOp.toFixed(1) : Math.round(m.cpuUsPerOp)} µs`;

/** A ratio: the median over rounds, with its spread. */
export interface Ratio {
  /** Median of the per-round ratios (or the ratio of medians when rounds cannot be paired). */
  readonly value: number;
  /** Smallest per-round ratio. */
  readonly min: number;
  /** Largest per-round ratio. */
  readonly max: number;
}

/**
 * The ratio of two series measured in the same rounds: the median of the per-round ratios. A
 * round's two figures share that round's machine, so their ratio cancels most of what a busy
 * neighbour does to both — unlike the ratio of two medians taken from different rounds.
 */
function pairedRatio(mine: readonly number[], theirs: readonly number[], invert: boolean): Ratio | undefined {
  if (mine.length === 0 || mine.length !== theirs.length) return undefined;
  const per = mine.map((m, i) => (invert ? theirs[i]! / m : m / theirs[i]!)).filter((r) => Number.isFinite(r));
  if (per.length !== mine.length) return undefined;
  return { value: medianOf(per), min: Math.min(...per), max: Math.max(...per) };
}

/** measurement ÷ anchor (median of per-round ratios), or undefined when either is missing. */
export function ratioOf(row: Row): Ratio | undefined {
  if (typeof row.metric === "string" || typeof row.anchor === "string") return undefined;
  return pairedRatio(row.metric.rounds, row.anchor.rounds, false);
}

/**
 * The same ratio computed from CPU time per operation instead of wall time: for a latency,
 * CPU ÷ anchor CPU; for a rate, anchor CPU ÷ CPU (the rate ratio the two would have if both got
 * the same share of the processor). On a machine shared with other work this is often the
 * steadier figure, because a busy neighbour stretches wall time more than the CPU an operation
 * needs.
 */
export function cpuRatioOf(row: Row): Ratio | undefined {
  if (typeof row.metric === "string" || typeof row.anchor === "string") return undefined;
  const mine = row.metric.cpuRounds;
  const theirs = row.anchor.cpuRounds;
  if (!mine || !theirs) return undefined;
  return pairedRatio(mine, theirs, row.metric.unit !== "ms");
}

function judge(goal: Goal | undefined, r: Ratio | undefined): string {
  if (!goal) return "—";
  if (r === undefined) return "n/a";
  const ok = goal.kind === "max" ? r.value <= goal.limit : r.value >= goal.limit;
  return ok ? "PASS" : "**MISS**";
}

/** Verdict on the wall-time ratio: "PASS", "**MISS**", "—" (informational) or "n/a" (no figure). */
export function verdict(row: Row): string {
  return judge(row.goal, ratioOf(row));
}

/** Verdict on the CPU-time ratio (see {@link cpuRatioOf}). */
export function cpuVerdict(row: Row): string {
  return judge(row.goal, cpuRatioOf(row));
}

const fmtGoal = (g: Goal | undefined): string => (g ? `${g.kind === "max" ? "≤" : "≥"} ${g.limit.toFixed(2)}×` : "—");
const cell = (m: Metric | string): string => (typeof m === "string" ? m : fmtMetric(m)).replaceAll("|", "\\|");

const fmtRatio = (r: Ratio | undefined): string =>
  r === undefined
    ? "—"
    : r.min === r.max
      ? `${r.value.toFixed(2)}×`
      : `${r.value.toFixed(2)}× (${r.min.toFixed(2)}–${r.max.toFixed(2)})`;

/** The results as one markdown table. */
export function resultsTable(rows: readonly Row[]): string {
  const lines = rows.map((row) => [
    row.label,
    cell(row.metric),
    fmtSpread(row.metric),
    fmtCpu(row.metric),
    row.anchorLabel,
    cell(row.anchor),
    fmtCpu(row.anchor),
    fmtGoal(row.goal),
    fmtRatio(ratioOf(row)),
    verdict(row),
    fmtRatio(cpuRatioOf(row)),
    cpuVerdict(row),
  ]);
  return [
    "| Measurement | Result | Rounds (min–max) | CPU / op | Anchor | Anchor result | Anchor CPU / op | Goal | Ratio (wall), rounds | Verdict (wall) | Ratio (CPU), rounds | Verdict (CPU) |",
    "|---|--:|--:|--:|---|--:|--:|--:|--:|:-:|--:|:-:|",
    ...lines.map((cols) => `| ${cols.join(" | ")} |`),
  ].join("\n");
}
