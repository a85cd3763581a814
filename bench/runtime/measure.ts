/**
 * Measurement primitives of the runtime benchmark: latency of calls made one at a time, and the
 * rate of calls kept N in flight. Both are bounded in count AND time, and both report the CPU
 * time the whole process spent per operation (client and in-process emulator together), which
 * is steadier than wall time when other work shares the machine.
 */
import { performance } from "node:perf_hooks";

/** One call of the thing being measured; `i` counts calls from 0. */
export type Call = (i: number) => Promise<unknown>;

/** Latency of calls made one after the other. */
export interface LatencyResult {
  /** Calls measured. */
  readonly ops: number;
  /** Median latency, ms. */
  readonly p50Ms: number;
  /** 99th percentile latency, ms. */
  readonly p99Ms: number;
  /** Calls per second at one in flight (ops ÷ elapsed). */
  readonly perSecond: number;
  /** Process CPU time (user + system) per call, µs. */
  readonly cpuUsPerOp: number;
}

/** Rate of calls with a fixed number in flight. */
export interface RateResult {
  /** Calls completed. */
  readonly ops: number;
  /** Operations per second. */
  readonly perSecond: number;
  /** Process CPU time (user + system) per call, µs. */
  readonly cpuUsPerOp: number;
}

/** Bounds of one latency measurement. */
export interface LatencyBounds {
  /** At most this many calls. */
  readonly maxOps: number;
  /** Stop after this many ms even if fewer calls were made. */
  readonly maxMs: number;
}

/** Bounds of one rate measurement. */
export interface RateBounds {
  /** Calls kept in flight. */
  readonly concurrency: number;
  /** Measure for this long (ms); calls in flight at the end still count when they finish. */
  readonly durationMs: number;
  /** Stop early after this many calls. */
  readonly maxOps: number;
}

const cpuUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** The q-quantile (0..1) of ascending `sorted` values, nearest rank. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** The median of a list (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Calls `call` one at a time and records each call's latency. */
export async function measureLatency(call: Call, bounds: LatencyBounds): Promise<LatencyResult> {
  const samples = new Float64Array(bounds.maxOps);
  const cpu0 = cpuUs();
  const start = performance.now();
  const stopAt = start + bounds.maxMs;
  let n = 0;
  while (n < bounds.maxOps) {
    const t0 = performance.now();
    await call(n);
    const t1 = performance.now();
    samples[n++] = t1 - t0;
    if (t1 >= stopAt) break;
  }
  const elapsed = performance.now() - start;
  const cpu = cpuUs() - cpu0;
  const sorted = Array.from(samples.subarray(0, n)).sort((a, b) => a - b);
  return {
    ops: n,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    perSecond: (n / elapsed) * 1000,
    cpuUsPerOp: cpu / n,
  };
}

/** Calls per turn in {@link measureLatencyPaired}. */
export const LATENCY_BLOCK = 20;

/**
 * Latency of several variants measured in turns of LATENCY_BLOCK calls (A B C, B C A, C A B,
 * ...), so every variant sees the same machine at nearly the same moment: on a shared machine
 * this cancels the drift that running all of A and then all of B would turn into a difference.
 * CPU time is taken around each turn, not each call: work a call leaves behind (a response
 * still being cleaned up, a responder's own publish finishing) then lands in its own variant's
 * turn, except at the turn's end. Stops after `maxOps` calls per variant or `maxMs` × variants.
 */
export async function measureLatencyPaired(calls: readonly Call[], bounds: LatencyBounds): Promise<LatencyResult[]> {
  const k = calls.length;
  const samples = calls.map(() => new Float64Array(bounds.maxOps));
  const cpu = calls.map(() => 0);
  const stopAt = performance.now() + bounds.maxMs * k;
  let n = 0;
  for (let turn = 0; n < bounds.maxOps; turn++) {
    const count = Math.min(LATENCY_BLOCK, bounds.maxOps - n);
    for (let j = 0; j < k; j++) {
      const v = (turn + j) % k;
      const c0 = cpuUs();
      for (let i = n; i < n + count; i++) {
        const t0 = performance.now();
        await calls[v]!(i);
        samples[v]![i] = performance.now() - t0;
      }
      cpu[v]! += cpuUs() - c0;
    }
    n += count;
    if (performance.now() >= stopAt) break;
  }
  return calls.map((_, v) => {
    const mine = samples[v]!.subarray(0, n);
    const total = mine.reduce((a, b) => a + b, 0);
    const sorted = Array.from(mine).sort((a, b) => a - b);
    return {
      ops: n,
      p50Ms: quantile(sorted, 0.5),
      p99Ms: quantile(sorted, 0.99),
      perSecond: (n / total) * 1000,
      cpuUsPerOp: cpu[v]! / n,
    };
  });
}

/**
 * Keeps `concurrency` calls in flight for `durationMs` (or until `maxOps` calls were started)
 * and reports completed calls per second. A failing call fails the measurement: a benchmark
 * that silently counts errors as throughput would be lying.
 */
export async function measureRate(call: Call, bounds: RateBounds): Promise<RateResult> {
  let started = 0;
  let done = 0;
  const cpu0 = cpuUs();
  const start = performance.now();
  const stopAt = start + bounds.durationMs;
  const lane = async (): Promise<void> => {
    while (started < bounds.maxOps && performance.now() < stopAt) {
      await call(started++);
      done++;
    }
  };
  await Promise.all(Array.from({ length: bounds.concurrency }, lane));
  const elapsed = performance.now() - start;
  const cpu = cpuUs() - cpu0;
  return { ops: done, perSecond: (done / elapsed) * 1000, cpuUsPerOp: cpu / done };
}

/** Bounds of a sliced rate measurement. */
export interface SlicedRateBounds {
  /** Calls kept in flight. */
  readonly concurrency: number;
  /** Length of one slice, ms. */
  readonly sliceMs: number;
  /** Slices per variant. */
  readonly slices: number;
  /** Call cap of one slice. */
  readonly maxOps: number;
}

/**
 * Throughput of several variants measured in short alternating slices (A B C, B C A, ...): each
 * slice keeps `concurrency` calls in flight for `sliceMs`, then lets the calls in flight finish
 * (they count, and so does the time they take). A variant's rate is its calls over its time,
 * summed over its slices — fine-grained alternation, like measureLatencyPaired, so a machine
 * that gets busier or quieter during the run affects every variant alike.
 */
export async function measureRateSliced(calls: readonly Call[], bounds: SlicedRateBounds): Promise<RateResult[]> {
  const k = calls.length;
  const ops = calls.map(() => 0);
  const ms = calls.map(() => 0);
  const cpu = calls.map(() => 0);
  for (let slice = 0; slice < bounds.slices; slice++) {
    for (let j = 0; j < k; j++) {
      const v = (slice + j) % k;
      const r = await measureRate(calls[v]!, {
        concurrency: bounds.concurrency,
        durationMs: bounds.sliceMs,
        maxOps: bounds.maxOps,
      });
      ops[v]! += r.ops;
      ms[v]! += (r.ops / r.perSecond) * 1000;
      cpu[v]! += r.cpuUsPerOp * r.ops;
    }
  }
  return calls.map((_, v) => ({ ops: ops[v]!, perSecond: (ops[v]! / ms[v]!) * 1000, cpuUsPerOp: cpu[v]! / ops[v]! }));
}

/** Runs `n` calls one at a time and discards the results (JIT, connections, caches). */
export async function warmUp(call: Call, n: number, concurrency = 1): Promise<void> {
  let i = 0;
  const lane = async (): Promise<void> => {
    while (i < n) await call(i++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, n) }, lane));
}
