/**
 * The emulator's state and pub/sub backends: the seam (types) and the in-memory implementation.
 */
export * from "./types.js";
export { createMemoryPubsubBackend, DEFAULT_MAX_QUEUE_BUFFER, type MemoryPubsubOptions } from "./memory-pubsub.js";
export { createMemoryStateBackend } from "./memory-state.js";
export { createRedisBackend, defaultReplicaId, type RedisBackend, type RedisBackendOptions } from "./redis-backend.js";
export { parseRedisUrl, type RedisAddress } from "./redis-connection.js";
