/**
 * The emulator-only inspector behind the web UI: recent events, worker counters and log lines,
 * WebSocketManager connections (proto/virtufin/emulator/v1/inspector.proto).
 */
export { ChangeFeed } from "./change-feed.js";
export { EventHistory, EVENT_HISTORY_SIZE } from "./event-history.js";
export { createInspectorService, SNAPSHOT_INTERVAL_MS, type InspectorSources } from "./inspector-service.js";
export { WorkerActivity, WORKER_LOG_LINES } from "./worker-activity.js";
