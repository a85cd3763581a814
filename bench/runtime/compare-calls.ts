/**
 * Compares ways of making the same unary call: latency at one in flight (p50, p99, calls/s),
 * the variants taking turns of a few calls, and throughput at N in flight, the variants taking
 * turns in short slices. Each round yields one figure per variant; the report takes the median.
 */
import type { BenchContext } from "./context.js";
import { measureLatencyPaired, measureRateSliced, warmUp, type Call, type LatencyResult, type RateResult } from "./measure.js";
import { metric, type Metric } from "./table.js";

/** One way of making the call. */
export interface CallVariant {
  /** Name in progress lines. */
  readonly label: string;
  /** Makes one call. */
  readonly call: Call;
}

/** What one variant measured, as medians over rounds. */
export interface CallFigures {
  /** Median latency at one in flight. */
  readonly p50: Metric;
  /** 99th percentile latency at one in flight. */
  readonly p99: Metric;
  /** Calls per second at one in flight. */
  readonly rate1: Metric;
  /** Calls per second at `settings.concurrency` in flight (NaN when not measured). */
  readonly rateN: Metric;
}

/** Measures every variant; the result is in the order of `variants`. */
export async function compareCalls(
  ctx: Pick<BenchContext, "settings" | "log">,
  variants: readonly CallVariant[],
  options: { unit?: string; rate?: boolean } = {},
): Promise<CallFigures[]> {
  const unit = options.unit ?? "calls/s";
  const s = ctx.settings;
  for (const v of variants) {
    // Sequential and concurrent warm-up: JIT, HTTP/2 session, the Gateway's reflection cache.
    await warmUp(v.call, s.warmUpCalls);
    if (options.rate !== false) await warmUp(v.call, s.warmUpCalls, s.concurrency);
  }
  // Latency: the variants take turns of a few calls (see measureLatencyPaired); one result per round.
  const latency: LatencyResult[][] = variants.map(() => []);
  for (let round = 0; round < s.rounds; round++) {
    const results = await measureLatencyPaired(
      variants.map((v) => v.call),
      { maxOps: s.latencyCalls, maxMs: s.latencyMaxMs },
    );
    results.forEach((r, i) => {
      latency[i]!.push(r);
      ctx.log(
        `  round ${round + 1} · ${variants[i]!.label} · 1 in flight: p50 ${r.p50Ms.toFixed(3)} ms, p99 ${r.p99Ms.toFixed(3)} ms (${r.ops} calls)`,
      );
    });
  }
  // Throughput: short slices per variant, alternating within each round (see measureRateSliced).
  const rate: RateResult[][] = variants.map(() => []);
  for (let round = 0; options.rate !== false && round < s.rounds; round++) {
    const results = await measureRateSliced(
      variants.map((v) => v.call),
      { concurrency: s.concurrency, sliceMs: s.rateMs / s.rateSlices, slices: s.rateSlices, maxOps: s.rateMaxOps },
    );
    results.forEach((r, i) => {
      rate[i]!.push(r);
      ctx.log(
        `  round ${round + 1} · ${variants[i]!.label} · ${s.concurrency} in flight: ${Math.round(r.perSecond)} ${unit} (${r.ops} calls)`,
      );
    });
  }
  return variants.map((_, i) => {
    const lat = latency[i]!;
    const cpu1 = lat.map((r) => r.cpuUsPerOp);
    return {
      p50: metric(
        "ms",
        lat.map((r) => r.p50Ms),
        cpu1,
      ),
      p99: metric(
        "ms",
        lat.map((r) => r.p99Ms),
        cpu1,
      ),
      rate1: metric(
        unit,
        lat.map((r) => r.perSecond),
        cpu1,
      ),
      rateN: rate[i]!.length
        ? metric(
            unit,
            rate[i]!.map((r) => r.perSecond),
            rate[i]!.map((r) => r.cpuUsPerOp),
          )
        : metric(unit, [Number.NaN]),
    };
  });
}
