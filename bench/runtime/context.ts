/**
 * What every scenario of the runtime benchmark receives: the running emulator, the bounds of
 * the run, a logger, and interleaved rounds so that two variants see the same machine.
 */
import type { Emulator } from "../../emulator/index.js";

/** Bounds of one benchmark run (full or quick). */
export interface Settings {
  /** Rounds per comparison; each round measures every variant once, order alternating. */
  readonly rounds: number;
  /** Calls made (and discarded) before measuring each variant. */
  readonly warmUpCalls: number;
  /** Calls per latency measurement (one in flight). */
  readonly latencyCalls: number;
  /** Time cap of one latency measurement, ms. */
  readonly latencyMaxMs: number;
  /** Time per variant per round of a rate measurement, ms (split into `rateSlices` slices). */
  readonly rateMs: number;
  /** Slices per variant per round: variants alternate slice by slice. */
  readonly rateSlices: number;
  /** Call cap of one rate measurement. */
  readonly rateMaxOps: number;
  /** Calls in flight for throughput. */
  readonly concurrency: number;
  /** Events per event-rate measurement. */
  readonly events: number;
  /** Time cap of one event-rate measurement, ms. */
  readonly eventsMaxMs: number;
}

/**
 * The full run: about a minute on an idle 2-core machine, two on a busy one. Five short rounds
 * rather than three long ones: alternating variants often is what cancels the drift of a shared
 * machine.
 */
export const FULL: Settings = {
  rounds: 5,
  warmUpCalls: 200,
  latencyCalls: 2_000,
  latencyMaxMs: 600,
  rateMs: 600,
  rateSlices: 2,
  rateMaxOps: 200_000,
  concurrency: 64,
  events: 10_000,
  eventsMaxMs: 6_000,
};

/** The smoke run: under 20 seconds, one short round (its figures are noisy). */
export const QUICK: Settings = {
  rounds: 1,
  warmUpCalls: 30,
  latencyCalls: 300,
  latencyMaxMs: 250,
  rateMs: 300,
  rateSlices: 1,
  rateMaxOps: 50_000,
  concurrency: 64,
  events: 1_500,
  eventsMaxMs: 1_500,
};

/** What a scenario runs against. */
export interface BenchContext {
  /** The emulator started in this process. */
  readonly emulator: Emulator;
  /** Bounds of the run. */
  readonly settings: Settings;
  /** Progress line on stderr. */
  readonly log: (line: string) => void;
}

/**
 * Runs `measure` for every variant in every round and returns the results per variant. The
 * order alternates between rounds (A B, B A, A B, ...) so neither variant always runs on a
 * warmer or a busier machine.
 */
export async function interleaved<R>(
  variants: number,
  rounds: number,
  measure: (variant: number, round: number) => Promise<R>,
): Promise<R[][]> {
  const results: R[][] = Array.from({ length: variants }, () => []);
  for (let round = 0; round < rounds; round++) {
    const order = Array.from({ length: variants }, (_, i) => (round % 2 === 0 ? i : variants - 1 - i));
    for (const v of order) results[v]!.push(await measure(v, round));
  }
  return results;
}
