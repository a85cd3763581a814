/**
 * Compares ways of making the same unary call: latency at one in flight (p50, p99, calls/s) and
 * throughput at N in flight, each variant measured once per round in alternating order.
 */
import { interleaved, type BenchContext } from "./context.js";
import { measureLatency, measureRate, warmUp, type Call, type LatencyResult, type RateResult } from "./measure.js";
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
  /** Calls per second at `settings.concurrency` in flight. */
  readonly rateN: Metric;
}

/** Measures every variant; the result is in the order of `variants`. */
export async function compareCalls(ctx: BenchContext, variants: readonly CallVariant[], unit = "calls/s"): Promise<CallFigures[]> {
  const s = ctx.settings;
  for (const v of variants) {
    // Sequential and concurrent warm-up: JIT, HTTP/2 session, the Gateway's reflection cache.
    await warmUp(v.call, s.warmUpCalls);
    await warmUp(v.call, s.warmUpCalls, s.concurrency);
  }
  const latency: LatencyResult[][] = await interleaved(variants.length, s.rounds, async (i, round) => {
    const r = await measureLatency(variants[i]!.call, { maxOps: s.latencyCalls, maxMs: s.latencyMaxMs });
    ctx.log(`  round ${round + 1} · ${variants[i]!.label} · 1 in flight: p50 ${r.p50Ms.toFixed(3)} ms, p99 ${r.p99Ms.toFixed(3)} ms (${r.ops} calls)`);
    return r;
  });
  const rate: RateResult[][] = await interleaved(variants.length, s.rounds, async (i, round) => {
    const r = await measureRate(variants[i]!.call, { concurrency: s.concurrency, durationMs: s.rateMs, maxOps: s.rateMaxOps });
    ctx.log(`  round ${round + 1} · ${variants[i]!.label} · ${s.concurrency} in flight: ${Math.round(r.perSecond)} ${unit} (${r.ops} calls)`);
    return r;
  });
  return variants.map((_, i) => {
    const lat = latency[i]!;
    const cpu1 = lat.map((r) => r.cpuUsPerOp);
    return {
      p50: metric("ms", lat.map((r) => r.p50Ms), cpu1),
      p99: metric("ms", lat.map((r) => r.p99Ms), cpu1),
      rate1: metric(unit, lat.map((r) => r.perSecond), cpu1),
      rateN: metric(unit, rate[i]!.map((r) => r.perSecond), rate[i]!.map((r) => r.cpuUsPerOp)),
    };
  });
}
