/**
 * The `x-api-key` check: enforced only when keys are configured; health and reflection stay open.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "../logger.js";

/** The header (gRPC metadata key) carrying the api key. */
export const API_KEY_HEADER = "x-api-key";

/** Services that never require a key: probes and discovery must work without credentials. */
export const OPEN_SERVICES: ReadonlySet<string> = new Set([
  "grpc.health.v1.Health",
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
]);

// Hashing both sides first gives equal-length inputs, so timingSafeEqual compares in constant
// time whatever the length of the key presented.
const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

/** The digest {@link matchApiKey} compares: build its map of keys with it. */
export const keyDigest: (value: string) => Buffer = digest;

/** Returns the name of the configured key equal to `presented`, comparing in constant time. */
export function matchApiKey(keys: ReadonlyMap<string, Buffer>, presented: string): string | undefined {
  const candidate = digest(presented);
  let found: string | undefined;
  // Compare against every key (no early exit) so timing does not reveal which one matched.
  for (const [name, expected] of keys) if (timingSafeEqual(candidate, expected) && found === undefined) found = name;
  return found;
}

/**
 * Creates the interceptor. With no keys it lets everything through. A missing or wrong key is
 * UNAUTHENTICATED; the error and the log name the problem and (on success) the key's NAME,
 * never a key value.
 */
export function createApiKeyInterceptor(apiKeys: Readonly<Record<string, string>> | undefined, log?: Logger): Interceptor {
  const keys = new Map(Object.entries(apiKeys ?? {}).map(([name, key]) => [name, digest(key)] as const));
  return (next) => async (req) => {
    if (keys.size === 0 || OPEN_SERVICES.has(req.service.typeName)) return next(req);
    const presented = req.header.get(API_KEY_HEADER);
    if (!presented) {
      log?.warn("call without api key rejected", { method: `${req.service.typeName}/${req.method.name}` });
      throw new ConnectError(`missing ${API_KEY_HEADER}`, Code.Unauthenticated);
    }
    const name = matchApiKey(keys, presented);
    if (name === undefined) {
      log?.warn("call with unknown api key rejected", { method: `${req.service.typeName}/${req.method.name}` });
      throw new ConnectError(`invalid ${API_KEY_HEADER}`, Code.Unauthenticated);
    }
    log?.debug("call authenticated", { method: `${req.service.typeName}/${req.method.name}`, apiKey: name });
    return next(req);
  };
}
