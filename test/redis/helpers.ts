/**
 * Emulator replicas on one real Redis, for the tests of the Redis backend.
 */
import { Redis } from "ioredis";
import { startEmulator, type Emulator, type EmulatorOptions } from "../../emulator/index.js";
import { ApiClient } from "../../platform/api-client.js";
import { startRedisServer, type RedisServer, type RedisServerOptions } from "../support/redis-server.js";

/** A replica and a client of its Gateway. */
export interface Replica {
  readonly emulator: Emulator;
  readonly api: ApiClient;
  /** Stops the client and the emulator. */
  stop(): Promise<void>;
}

/** Starts an in-process emulator on `redis` with a client of its own. */
export async function startReplica(redis: RedisServer, replicaId: string, options: EmulatorOptions = {}): Promise<Replica> {
  const emulator = await startEmulator({ ports: 0, logLevel: "warn", backend: redis.url, replicaId, ...options });
  const api = new ApiClient({ host: "127.0.0.1", port: emulator.addresses.gateway.port });
  let stopped: Promise<void> | undefined;
  return {
    emulator,
    api,
    stop: () =>
      (stopped ??= (async () => {
        await api.close();
        await emulator.stop();
      })()),
  };
}

/** A Redis server and `count` replicas on it; `stop()` ends them all. */
export interface Platform {
  readonly redis: RedisServer;
  readonly replicas: Replica[];
  stop(): Promise<void>;
}

/** Starts a Redis server and `count` replicas named r0, r1, ... */
export async function startPlatform(
  count: number,
  options: EmulatorOptions = {},
  redisOptions: RedisServerOptions = {},
): Promise<Platform> {
  const redis = await startRedisServer(redisOptions);
  const replicas: Replica[] = [];
  try {
    for (let i = 0; i < count; i++) replicas.push(await startReplica(redis, `r${i}`, options));
  } catch (err) {
    await Promise.allSettled(replicas.map((r) => r.stop()));
    await redis.stop();
    throw err;
  }
  return {
    redis,
    replicas,
    stop: async () => {
      await Promise.allSettled(replicas.map((r) => r.stop()));
      await redis.stop();
    },
  };
}

/** Polls `check` until it returns true, or fails after `timeoutMs` with `what`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Runs `fn` with a direct client of the test's Redis (to look at what the backend stored). */
export async function withRedis<T>(redis: RedisServer, fn: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({ host: "127.0.0.1", port: redis.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await client.connect();
    return await fn(client);
  } finally {
    client.disconnect();
  }
}

/** Events pending (delivered, not acknowledged) in the workers' consumer group of `topic`. */
export function pendingEvents(redis: RedisServer, topic: string): Promise<number> {
  return withRedis(redis, async (client) => {
    const summary = (await client.xpending(`virtufin:topic:${topic}`, `workmanager:${topic}`)) as [number, ...unknown[]];
    return Number(summary[0]);
  });
}

/** The metadata of every event retained in the stream of `topic`, oldest first. */
export function storedEvents(redis: RedisServer, topic: string): Promise<Record<string, string>[]> {
  return withRedis(redis, async (client) => {
    const entries = await client.xrange(`virtufin:topic:${topic}`, "-", "+");
    return entries.map(([, fields]) => JSON.parse(fields[fields.indexOf("meta") + 1] ?? "{}") as Record<string, string>);
  });
}

/** The Redis connections the emulator replicas hold (their names start with virtufin-emulator:). */
export function emulatorConnections(redis: RedisServer): Promise<number> {
  return withRedis(redis, async (client) => {
    const list = (await client.client("LIST")) as string;
    return list.split("\n").filter((line) => / name=virtufin-emulator:/.test(line)).length;
  });
}
