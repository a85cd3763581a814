/**
 * Connections of the Redis backend (ioredis): the `redis://host:port/db` address, fail-fast
 * clients, and the mapping of "Redis is not there" to UNAVAILABLE.
 *
 * Every client fails fast while Redis is unreachable (no offline queue, no silent retry of a
 * command): a conditional state write repeated after a reconnect could apply twice, and a caller
 * is better served by UNAVAILABLE now than by a hang. ioredis reconnects in the background, so
 * calls succeed again as soon as Redis is back.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { Redis, ReplyError, type RedisOptions } from "ioredis";
import { EtagMismatch } from "./types.js";
import { DEFAULT_RETRY_POLICY } from "@virtufin/sdk";
import { retryDelay, type ResolvedRetryPolicy } from "@virtufin/sdk/internal";

/** A parsed `redis://host:port/db` address. */
export interface RedisAddress {
  /** Host name or IP. */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** Database number. */
  readonly db: number;
  /** The address without credentials, for messages. */
  readonly display: string;
  /** Password from the URL, if any. */
  readonly password?: string;
  /** User name from the URL, if any. */
  readonly username?: string;
}

/** Parses `redis://[user:password@]host[:port][/db]`; throws an Error naming what is wrong. */
export function parseRedisUrl(url: string): RedisAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`backend "${url}" is not a URL; expected redis://host:port/db`);
  }
  if (parsed.protocol !== "redis:")
    throw new Error(`backend "${parsed.protocol}//..." is not supported; expected redis://host:port/db`);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  if (host === "") throw new Error("the redis:// backend address has no host");
  const port = parsed.port === "" ? 6379 : Number(parsed.port);
  const path = parsed.pathname.replace(/^\//, "");
  if (path !== "" && !/^\d+$/.test(path)) throw new Error(`the redis:// backend database must be a number, not "${path}"`);
  const db = path === "" ? 0 : Number(path);
  return {
    host,
    port,
    db,
    display: `redis://${parsed.host}/${db}`,
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
  };
}

/** Reconnect delays to Redis: full-jitter backoff from 50 ms up to 1 s (the runtime's policy shape). */
export const RECONNECT_POLICY: ResolvedRetryPolicy = { ...DEFAULT_RETRY_POLICY, initialBackoffMs: 50, maxBackoffMs: 1_000 };

/** Creates a fail-fast client of `address`; `name` shows in CLIENT LIST. */
export function connectRedis(address: RedisAddress, name: string): Redis {
  const options: RedisOptions = {
    host: address.host,
    port: address.port,
    db: address.db,
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2_000,
    // Keep trying for ever: the emulator must come back when Redis does.
    retryStrategy: (times) => Math.max(20, retryDelay(RECONNECT_POLICY, Math.min(times, 10))),
    ...(address.password !== undefined ? { password: address.password } : {}),
    ...(address.username !== undefined ? { username: address.username } : {}),
  };
  const client = new Redis(options);
  // ioredis reports connection errors as "error" events; they surface on the calls instead.
  client.on("error", () => undefined);
  return client;
}

/** Waits until a client is connected, or fails with a clear message after `timeoutMs`. */
export async function waitReady(client: Redis, address: RedisAddress, timeoutMs: number): Promise<void> {
  if (client.status === "ready") return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off("ready", onReady);
      reject(new Error(`cannot reach Redis at ${address.display} (no connection in ${timeoutMs} ms)`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once("ready", onReady);
  });
}

/** True for an error Redis itself answered (a command's fault), false for a lost connection. */
export function isReplyError(err: unknown): boolean {
  return err instanceof ReplyError;
}

/**
 * Turns a client failure into a ConnectError: a lost or refused connection is UNAVAILABLE with
 * the address in the message; an answer of Redis (script error, wrong type) is INTERNAL.
 */
export function redisFailure(err: unknown, address: RedisAddress): ConnectError {
  if (err instanceof ConnectError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (isReplyError(err)) return new ConnectError(`the Redis backend at ${address.display} failed: ${message}`, Code.Internal);
  return new ConnectError(
    `the Redis backend at ${address.display} is unavailable (${message}); retry when it is back`,
    Code.Unavailable,
  );
}

/** Runs a Redis call, mapping its failure with {@link redisFailure}. */
export async function guarded<T>(address: RedisAddress, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    // The backend's own outcomes (a stale etag) pass through as they are.
    if (err instanceof EtagMismatch) throw err;
    throw redisFailure(err, address);
  }
}

/** A stream entry as Redis returns it (binary): id and field-value pairs. */
export type RawEntry = [Buffer, Buffer[]];

/** The fields of a raw entry by name. */
export function entryFields(entry: RawEntry): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const pairs = entry[1] ?? [];
  for (let i = 0; i + 1 < pairs.length; i += 2) out.set(pairs[i]!.toString(), pairs[i + 1]!);
  return out;
}
