/**
 * The runtime benchmark's public face: the measurement primitives and scenarios, for reuse by
 * other benchmarks or ad-hoc profiling. The CLI is `run.ts` (`npm run bench:runtime`).
 *
 * @module
 */
export {
  measureLatency,
  measureLatencyPaired,
  measureRate,
  measureRateSliced,
  warmUp,
  median,
  quantile,
  type Call,
  type LatencyBounds,
  type LatencyResult,
  type RateBounds,
  type RateResult,
  type SlicedRateBounds,
} from "./measure.js";
export { FULL, QUICK, interleaved, type BenchContext, type Settings } from "./context.js";
export { compareCalls, type CallFigures, type CallVariant } from "./compare-calls.js";
export { benchUnary, type UnaryResult } from "./unary.js";
export { benchGatewayProxy } from "./gateway-proxy.js";
export { benchRequestReply } from "./request-reply.js";
export { benchEvents } from "./events.js";
export { benchClientSide } from "./client-side.js";
export { startTypedRequestReply, type TypedRequestReply } from "./typed-request-reply.js";
export {
  metric,
  ratioOf,
  cpuRatioOf,
  resultsTable,
  verdict,
  cpuVerdict,
  fmtMetric,
  type Goal,
  type Metric,
  type Ratio,
  type Row,
} from "./table.js";
