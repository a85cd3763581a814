/**
 * Finding a secret wherever it could leak from a value: `util.inspect` (hidden properties and
 * getters too), `String`, `JSON.stringify`, an error's stack, and every string reachable through
 * own properties (enumerable or not, symbol keys), error causes, Connect metadata (`Headers`),
 * Maps, Sets and arrays. Bounded, so a cyclic or huge graph cannot hang a test.
 */
import { inspect } from "node:util";

/** One text a value can be turned into, and where it came from. */
export interface Exposure {
  /** Where the text was found, e.g. `$.cause.metadata[x-api-key]`. */
  readonly path: string;
  /** The text. */
  readonly text: string;
}

/** Every string reachable from `root`, at most `maxNodes` objects visited. */
export function reachableStrings(root: unknown, maxNodes = 20_000): Exposure[] {
  const out: Exposure[] = [];
  const seen = new Set<unknown>();
  const queue: { path: string; value: unknown }[] = [{ path: "$", value: root }];
  for (let i = 0; i < queue.length && seen.size < maxNodes; i++) {
    const { path, value } = queue[i]!;
    if (typeof value === "string") {
      out.push({ path, text: value });
      continue;
    }
    if ((typeof value !== "object" && typeof value !== "function") || value === null || seen.has(value)) continue;
    seen.add(value);
    if (value instanceof Headers) {
      value.forEach((v, k) => out.push({ path: `${path}[${k}]`, text: `${k}: ${v}` }));
      continue;
    }
    if (value instanceof Map) {
      for (const [k, v] of value) queue.push({ path: `${path}.key`, value: k }, { path: `${path}[${String(k)}]`, value: v });
      continue;
    }
    if (value instanceof Set || Array.isArray(value)) {
      let n = 0;
      for (const v of value as Iterable<unknown>) queue.push({ path: `${path}[${n++}]`, value: v });
      continue;
    }
    if (value instanceof Uint8Array) {
      out.push({ path, text: Buffer.from(value).toString("latin1") });
      continue;
    }
    if (typeof value === "function") continue;
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      // Data properties only: calling an arbitrary getter could have side effects.
      if (descriptor && "value" in descriptor) queue.push({ path: `${path}.${String(key)}`, value: descriptor.value });
    }
  }
  return out;
}

/** Every way `value` can be turned into text. */
export function exposures(value: unknown): Exposure[] {
  const safe = (fn: () => string | undefined): string => {
    try {
      return fn() ?? "";
    } catch (error) {
      return error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error);
    }
  };
  const list: Exposure[] = [
    { path: "inspect", text: safe(() => inspect(value, { depth: 10, showHidden: true, getters: true })) },
    { path: "String", text: safe(() => String(value)) },
    { path: "JSON", text: safe(() => JSON.stringify(value)) },
    ...reachableStrings(value),
  ];
  if (value instanceof Error) list.push({ path: "stack", text: value.stack ?? "" });
  return list;
}

/** The places where any of `secrets` shows in `value` (empty when none does). */
export function leaks(value: unknown, secrets: readonly string[]): string[] {
  const found: string[] = [];
  for (const { path, text } of exposures(value)) {
    for (const secret of secrets) if (text.includes(secret)) found.push(`${path} shows ${secret.slice(0, 4)}…`);
  }
  return found;
}
