/**
 * The Redis backend: state, pub/sub and group locks of one emulator replica on a Redis shared
 * by any number of replicas, which together form one platform.
 *
 * Client: ioredis — maintained, with binary (Buffer) replies for every command (event data is
 * bytes), Lua scripts defined once and sent by SHA, a fail-fast mode (no offline queue) and
 * reconnection in the background.
 */
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import type { Logger } from "../logger.js";
import { connectRedis, parseRedisUrl, waitReady, type RedisAddress } from "./redis-connection.js";
import { DEFAULT_CLAIM_IDLE_MS } from "./redis-consumer.js";
import { createRedisGroupLocks } from "./redis-locks.js";
import { createRedisPubsubBackend, DEFAULT_IDLE_EXPIRY_MS, DEFAULT_MAX_LEN } from "./redis-pubsub.js";
import { createRedisStateBackend } from "./redis-state.js";
import type { GroupLocks, PubsubBackend, StateBackend } from "./types.js";

/** Options of the Redis backend (`startEmulator({ backend: "redis://...", redis })`). */
export interface RedisBackendOptions {
  /** `redis://host:port/db`. */
  readonly url: string;
  /** This replica's id (default: host name, process id and a random suffix). */
  readonly replicaId?: string;
  /** Events kept per topic, approximately (default 10,000). */
  readonly maxLen?: number;
  /** A topic with no publish for this long is deleted (default 24 h; 0: never). */
  readonly idleExpiryMs?: number;
  /** A pending event untouched this long is claimed by another worker (default 5,000 ms). */
  readonly claimIdleMs?: number;
  /** How long to wait for Redis at start (default 10,000 ms). */
  readonly connectTimeoutMs?: number;
  /** Where the backend logs. */
  readonly log: Logger;
}

/** A connected Redis backend. */
export interface RedisBackend {
  /** Pub/sub on Redis Streams. */
  readonly pubsub: PubsubBackend;
  /** State with atomic conditional writes. */
  readonly state: StateBackend;
  /** Group locks across replicas. */
  readonly locks: GroupLocks;
  /** This replica's id. */
  readonly replicaId: string;
  /** The Redis address (without credentials). */
  readonly address: RedisAddress;
  /** Closes every connection. */
  close(): Promise<void>;
}

/** A replica id made from where the process runs. */
export function defaultReplicaId(): string {
  return `${hostname()}-${process.pid}-${randomUUID().slice(0, 4)}`;
}

/** Connects to Redis (waiting up to `connectTimeoutMs`) and builds the backend. */
export async function createRedisBackend(options: RedisBackendOptions): Promise<RedisBackend> {
  const address = parseRedisUrl(options.url);
  const replicaId = options.replicaId ?? defaultReplicaId();
  const redis = connectRedis(address, `virtufin-emulator:${replicaId}`);
  try {
    await waitReady(redis, address, options.connectTimeoutMs ?? 10_000);
  } catch (err) {
    redis.disconnect();
    throw err;
  }
  // Report transitions only, not every failed reconnect attempt.
  let connected = true;
  let closed = false;
  redis.on("ready", () => {
    if (!connected) options.log.info("connected to Redis again", { address: address.display });
    connected = true;
  });
  redis.on("close", () => {
    if (connected && !closed)
      options.log.warn("connection to Redis lost; calls fail with UNAVAILABLE until it is back", { address: address.display });
    connected = false;
  });
  const pubsub = createRedisPubsubBackend(
    { redis, address, replicaId, log: options.log },
    {
      maxLen: options.maxLen ?? DEFAULT_MAX_LEN,
      idleExpiryMs: options.idleExpiryMs ?? DEFAULT_IDLE_EXPIRY_MS,
      claimIdleMs: options.claimIdleMs ?? DEFAULT_CLAIM_IDLE_MS,
    },
  );
  const state = createRedisStateBackend(redis, address);
  const locks = createRedisGroupLocks(redis, address);
  return {
    pubsub,
    state,
    locks,
    replicaId,
    address,
    async close() {
      if (closed) return;
      closed = true;
      await pubsub.close();
      redis.disconnect();
    },
  };
}
