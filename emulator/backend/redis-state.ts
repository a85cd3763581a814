/**
 * StateBackend on Redis. Per service three keys: a hash of values, a hash of etags and the set
 * of registered keys. Writes are Lua scripts, so the etag check and the write are one atomic
 * step on the server: two replicas racing on one etag give exactly one winner.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { guarded, type RedisAddress } from "./redis-connection.js";
import { EtagMismatch, type StateBackend, type StateEntry } from "./types.js";

/** The key prefix of everything the backend stores. */
export const KEY_PREFIX = "virtufin:";

const keys = (service: string): [string, string, string] => [
  `${KEY_PREFIX}state:${service}`,
  `${KEY_PREFIX}etag:${service}`,
  `${KEY_PREFIX}keys:${service}`,
];

// KEYS: values, etags, registered. ARGV: key, value, expected etag ("" = none), new etag.
// Returns 1 when written, 0 when the expected etag was not current.
const SET_SCRIPT = `
if ARGV[3] ~= '' and redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[3] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[4])
redis.call('SADD', KEYS[3], ARGV[1])
return 1`;

// KEYS: values, etags. ARGV: key. Returns {value, etag} of the deleted entry, or nil.
const DELETE_SCRIPT = `
local v = redis.call('HGET', KEYS[1], ARGV[1])
if not v then return nil end
local e = redis.call('HGET', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return {v, e or ''}`;

interface StateCommands {
  virtufinStateSet(
    values: string,
    etags: string,
    registered: string,
    key: string,
    value: string,
    expected: string,
    etag: string,
  ): Promise<number>;
  virtufinStateDelete(values: string, etags: string, key: string): Promise<[string, string] | null>;
}

/** Creates a state backend on a connected client (shared with the rest of the Redis backend). */
export function createRedisStateBackend(redis: Redis, address: RedisAddress): StateBackend {
  redis.defineCommand("virtufinStateSet", { numberOfKeys: 3, lua: SET_SCRIPT });
  redis.defineCommand("virtufinStateDelete", { numberOfKeys: 2, lua: DELETE_SCRIPT });
  const commands = redis as unknown as StateCommands;
  const run = <T>(call: () => Promise<T>) => guarded(address, call);

  return {
    get: (service, key) =>
      run(async () => {
        const [values, etags] = keys(service);
        const [value, etag] = await Promise.all([redis.hget(values, key), redis.hget(etags, key)]);
        return value === null ? undefined : { value, etag: etag ?? "" };
      }),
    set: (service, key, value, etag) =>
      run(async () => {
        // The etag is made here, not in Lua: a random UUID is opaque and never repeats.
        const entry: StateEntry = { value, etag: randomUUID() };
        const written = await commands.virtufinStateSet(...keys(service), key, value, etag ?? "", entry.etag);
        if (written !== 1) throw new EtagMismatch(key);
        return entry;
      }),
    delete: (service, key) =>
      run(async () => {
        const [values, etags] = keys(service);
        const removed = await commands.virtufinStateDelete(values, etags, key);
        return removed === null ? undefined : { value: removed[0], etag: removed[1] };
      }),
    registerKeys: (service, list) =>
      run(async () => {
        if (list.length > 0) await redis.sadd(keys(service)[2], ...list);
      }),
    getAll: (service) =>
      run(async () => {
        const [values, , registered] = keys(service);
        const names = (await redis.smembers(registered)).sort();
        const out = new Map<string, string>();
        if (names.length === 0) return out;
        const found = await redis.hmget(values, ...names);
        names.forEach((name, i) => {
          const value = found[i];
          if (value !== null && value !== undefined) out.set(name, value);
        });
        return out;
      }),
    // The client is shared and closed by the backend that owns it.
    async close() {},
  };
}
