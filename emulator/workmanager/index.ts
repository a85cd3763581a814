/**
 * The emulator's WorkManager (G1 generation): workers that run real Python and JavaScript code
 * in child processes and consume pub/sub topics. See README.md in this folder.
 */
import type { ServiceImpl } from "@connectrpc/connect";
import type { WorkManager } from "@virtufin/sdk/gen/virtufin/workmanager_pb";
import { resolveWorkManagerOptions, type WorkManagerOptions } from "./options.js";
import { WorkManagerCore, type WorkManagerDeps } from "./service.js";
import type { Worker } from "./worker.js";
import type { ChangeFeed } from "../inspector/change-feed.js";

export type { WorkManagerOptions } from "./options.js";
export { SUPPORTED_MIME_TYPES } from "./engines.js";
export { LIFECYCLE_TOPIC, LIFECYCLE_TYPE_PREFIX, type LifecycleState } from "./lifecycle.js";
export { DEAD_LETTER_SUFFIX } from "./worker.js";
export { STATE_SERVICE, INDEX_KEY, workerKey } from "./worker-store.js";

/** A running WorkManager service: its Connect implementation and its shutdown. */
export interface WorkManagerService {
  /** The implementation to register with a Connect router. */
  readonly impl: ServiceImpl<typeof WorkManager>;
  /** Stops every worker and kills their processes (records stay persisted). */
  close(): Promise<void>;
  /** The workers, oldest first, for the emulator's inspector. */
  workers(): readonly Worker[];
  /** Told when a worker's counters or log lines change. */
  readonly changes: ChangeFeed;
}

/**
 * Creates the WorkManager over the given backends. Persisted workers are recovered (set
 * RUNNING) in the background unless `options.recoverOnStart` is false.
 */
export function createWorkManagerService(deps: WorkManagerDeps, options?: WorkManagerOptions): WorkManagerService {
  const core = new WorkManagerCore(deps, resolveWorkManagerOptions(options));
  return { impl: core.impl, close: () => core.close(), workers: () => core.workerList(), changes: core.changes };
}
