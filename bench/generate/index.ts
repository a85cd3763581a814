/**
 * Public face of the generator benchmark. The entry point is `run.ts` (`npm run bench`); these
 * re-exports let other benchmarks reuse the input builders and the process measurement.
 */
export { combineRuns, runPlugin, type RunOptions, type RunResult, type RunStatus } from "./measure.js";
export { PLUGIN_IDS, resolvePlugins, type PluginId, type PluginSpec } from "./plugins.js";
export { bufBinary, captureRequest, encodeRequest, type RequestStats, type SavedRequest } from "./requests.js";
export {
  FULL_SIZE,
  SYNTHETIC_FILE,
  SYNTHETIC_PACKAGE,
  renderSyntheticProto,
  scaleSize,
  type SyntheticSize,
} from "./synthetic-proto.js";
export { inputsTable, resultsTable, type BenchCell, type BenchInput } from "./table.js";
