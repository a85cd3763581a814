/**
 * In-memory StateBackend: per-service maps of values with opaque etags.
 *
 * Every method runs synchronously inside its promise, so each call is atomic with respect to
 * every other call on the same backend (Node runs one JavaScript turn at a time).
 */
import { randomUUID } from "node:crypto";
import { EtagMismatch, type StateBackend, type StateEntry } from "./types.js";

/** Creates an empty in-memory state store. */
export function createMemoryStateBackend(): StateBackend {
  const values = new Map<string, Map<string, StateEntry>>();
  const registered = new Map<string, Set<string>>();

  const bucket = <T>(map: Map<string, T>, service: string, make: () => T): T => {
    let found = map.get(service);
    if (found === undefined) {
      found = make();
      map.set(service, found);
    }
    return found;
  };

  return {
    async get(service, key) {
      return values.get(service)?.get(key);
    },
    async set(service, key, value, etag, options) {
      const store = bucket(values, service, () => new Map<string, StateEntry>());
      const current = store.get(key);
      // First-write concurrency: a non-empty etag must equal the current one; a missing key has
      // no etag, so any given etag is stale.
      if (etag !== undefined && etag !== "" && current?.etag !== etag) throw new EtagMismatch(key);
      if (options?.onlyIfAbsent && current !== undefined) throw new EtagMismatch(key);
      // A fresh random etag per write is opaque and never repeats, unlike a counter that would
      // restart with the process.
      const entry: StateEntry = { value, etag: randomUUID() };
      store.set(key, entry);
      // A written key is visible to getAll without an explicit RegisterKeys, as on the platform.
      bucket(registered, service, () => new Set<string>()).add(key);
      return entry;
    },
    async delete(service, key, etag) {
      const store = values.get(service);
      const current = store?.get(key);
      if (etag !== undefined && etag !== "" && current?.etag !== etag) throw new EtagMismatch(key);
      store?.delete(key);
      return current;
    },
    async registerKeys(service, keys) {
      const set = bucket(registered, service, () => new Set<string>());
      for (const key of keys) set.add(key);
    },
    async getAll(service) {
      const out = new Map<string, string>();
      const store = values.get(service);
      for (const key of registered.get(service) ?? []) {
        const entry = store?.get(key);
        if (entry !== undefined) out.set(key, entry.value);
      }
      return out;
    },
    async close() {
      values.clear();
      registered.clear();
    },
  };
}
