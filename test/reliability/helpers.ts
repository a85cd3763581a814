/**
 * Shared tools of the client reliability tests: counting live timers, finding free ports,
 * running a child process that must exit by itself, and walking objects for leaked secrets.
 */
import { execFile } from "node:child_process";

/** How many Node timers (setTimeout/setInterval) are alive in this process right now. */
export function activeTimeouts(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === "Timeout").length;
}

/** Free loopback ports (the one helper lives in test/support, beside the emulator process it serves). */
export { freePorts } from "../support/free-ports.js";

/** What a finished child process printed. */
export interface ChildResult {
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time from spawn to exit, in ms. */
  readonly elapsedMs: number;
}

/**
 * Runs a TypeScript fixture in a child Node process (through tsx) and resolves when it exits by
 * itself with status 0; rejects when it fails or is still alive after `timeoutMs` (then killed).
 */
export function runFixture(
  file: string,
  args: readonly string[],
  options: { timeoutMs: number; nodeArgs?: readonly string[]; onStdout?: (text: string) => void },
): Promise<ChildResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [...(options.nodeArgs ?? []), "--import", "tsx", file, ...args],
      { timeout: options.timeoutMs, killSignal: "SIGKILL", maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const elapsedMs = Date.now() - started;
        if (error) reject(new Error(`fixture ${file} failed after ${elapsedMs} ms: ${error.message}\n${stdout}${stderr}`));
        else resolve({ stdout, stderr, elapsedMs });
      },
    );
    if (options.onStdout) child.stdout?.on("data", (chunk: Buffer) => options.onStdout!(chunk.toString()));
  });
}

/** The path of a fixture next to this file. */
export function fixture(name: string): string {
  return new URL(`./fixtures/${name}`, import.meta.url).pathname;
}

/**
 * Every string reachable from `root` (own properties, enumerable or not, symbols too; error
 * causes, `Headers` entries, Map/Set members, array items), each with its path. Bounded by
 * `maxNodes` so a pathological graph cannot hang a test.
 */
export function reachableStrings(root: unknown, maxNodes = 50_000): { path: string; value: string }[] {
  const out: { path: string; value: string }[] = [];
  const seen = new Set<unknown>();
  const queue: { path: string; value: unknown }[] = [{ path: "$", value: root }];
  while (queue.length > 0 && seen.size < maxNodes) {
    const { path, value } = queue.shift()!;
    if (typeof value === "string") {
      out.push({ path, value });
      continue;
    }
    if ((typeof value !== "object" && typeof value !== "function") || value === null || seen.has(value)) continue;
    seen.add(value);
    if (value instanceof Headers) {
      value.forEach((v, k) => out.push({ path: `${path}.headers[${k}]`, value: `${k}: ${v}` }));
      continue;
    }
    if (value instanceof Map) {
      let i = 0;
      for (const [k, v] of value) {
        queue.push({ path: `${path}.key${i}`, value: k }, { path: `${path}.value${i}`, value: v });
        i++;
      }
    }
    if (value instanceof Set) {
      let i = 0;
      for (const v of value) queue.push({ path: `${path}.member${i++}`, value: v });
    }
    if (typeof value === "function") continue; // closures are opaque; their source is not a secret
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      const name = typeof key === "symbol" ? key.toString() : key;
      if (descriptor && "value" in descriptor) queue.push({ path: `${path}.${name}`, value: descriptor.value });
      else if (descriptor?.get) {
        try {
          queue.push({ path: `${path}.${name}`, value: descriptor.get.call(value) });
        } catch {
          // A getter that throws exposes nothing.
        }
      }
    }
    // Getters on the prototype (e.g. VirtufinError.codeName, ConnectError.message) count too.
    const proto = Object.getPrototypeOf(value) as object | null;
    if (proto && proto !== Object.prototype && proto !== Array.prototype) {
      for (const key of Reflect.ownKeys(proto)) {
        const descriptor = Object.getOwnPropertyDescriptor(proto, key);
        if (descriptor?.get && key !== "__proto__") {
          try {
            queue.push({ path: `${path}.${String(key)}`, value: descriptor.get.call(value) });
          } catch {
            // Ignored as above.
          }
        }
      }
    }
  }
  return out;
}

/**
 * Waits (up to `timeoutMs`) until at most `limit` timers are alive and returns the last count.
 * Counting happens while no timer of this loop is armed, so the count is only the code's own.
 */
export async function timersSettle(limit: number, timeoutMs = 2_000): Promise<number> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const count = activeTimeouts();
    if (count <= limit || Date.now() >= until) return count;
    await delay(20);
  }
}

/** Settles after `ms` milliseconds. */
export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
