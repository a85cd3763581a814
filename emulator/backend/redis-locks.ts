/**
 * Group locks shared by every replica on one Redis: "members of one group never process at the
 * same time" holds across processes.
 *
 * A lock is a key set with NX and a short expiry, holding a random token; the holder renews it
 * while it runs and deletes it (only if the token is still its own) when done. A replica that
 * dies holding a lock loses it when the expiry passes. Within one replica waiters queue on a
 * local mutex first, so only one of them polls Redis.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { KeyedMutex } from "../workmanager/mutex.js";
import { sleep } from "@virtufin/sdk";
import { guarded, type RedisAddress } from "./redis-connection.js";
import { KEY_PREFIX } from "./redis-state.js";
import type { GroupLocks } from "./types.js";

/** How long a lock outlives a holder that stopped renewing it (a dead replica). */
export const LOCK_TTL_MS = 5_000;
const POLL_MS = 10;

// KEYS: lock. ARGV: token, ttl. Renews when held by the token; returns 1 if so.
const RENEW_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
// KEYS: lock. ARGV: token. Releases when held by the token.
const RELEASE_SCRIPT = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

interface LockCommands {
  virtufinLockRenew(key: string, token: string, ttl: number): Promise<number>;
  virtufinLockRelease(key: string, token: string): Promise<number>;
}

/** Creates the group locks on a shared client. */
export function createRedisGroupLocks(redis: Redis, address: RedisAddress): GroupLocks {
  redis.defineCommand("virtufinLockRenew", { numberOfKeys: 1, lua: RENEW_SCRIPT });
  redis.defineCommand("virtufinLockRelease", { numberOfKeys: 1, lua: RELEASE_SCRIPT });
  const commands = redis as unknown as LockCommands;
  const local = new KeyedMutex();

  return {
    run: (name, fn) =>
      local.run(name, async () => {
        const key = `${KEY_PREFIX}lock:${name}`;
        const token = randomUUID();
        for (;;) {
          const taken = await guarded(address, () => redis.set(key, token, "PX", LOCK_TTL_MS, "NX"));
          if (taken === "OK") break;
          await sleep(POLL_MS);
        }
        const renew = setInterval(
          () => void commands.virtufinLockRenew(key, token, LOCK_TTL_MS).catch(() => undefined),
          LOCK_TTL_MS / 3,
        );
        try {
          return await fn();
        } finally {
          clearInterval(renew);
          await commands.virtufinLockRelease(key, token).catch(() => undefined);
        }
      }),
  };
}
