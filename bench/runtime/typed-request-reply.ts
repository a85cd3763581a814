/**
 * Finds the generated typed request-reply client (a pub/sub-bound service generated under
 * `examples/custom-service/gen/`) and sets up one client and one responder for the benchmark,
 * or says why it cannot. Loaded at run time so the benchmark runs before that code exists.
 */
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { BenchContext } from "./context.js";

/** A ready typed request-reply route: one call is one round trip, checked. */
export interface TypedRequestReply {
  /** Row label, naming the generated client and method. */
  readonly label: string;
  /** Makes one checked round trip. */
  readonly call: (i: number) => Promise<void>;
  /** Stops the responder and closes the clients. */
  close(): Promise<void>;
}

const GEN_DIR = resolve(import.meta.dirname, "..", "..", "examples", "custom-service", "gen");

/** Generated TypeScript files under `dir`, recursively (bounded depth). */
function generatedFiles(dir: string, depth = 0): string[] {
  if (depth > 4 || !existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? generatedFiles(join(dir, e.name), depth + 1) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

/**
 * The typed route, or a "missing: …" string. `concurrency` is how many requests the responder
 * handles at once (the same as the untyped responder's).
 */
export async function loadTypedRequestReply(
  ctx: BenchContext,
  gateway: { host: string; port: number },
  concurrency: number,
): Promise<TypedRequestReply | string> {
  const files = generatedFiles(GEN_DIR);
  for (const file of files) {
    const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    const client = Object.keys(mod).find((k) => k.endsWith("PubsubClient") && typeof mod[k] === "function");
    if (client) {
      ctx.log(`typed request-reply: found ${client} in ${file}, but the benchmark does not know its API yet`);
      void gateway;
      void concurrency;
      return `missing: \`${client}\` found but not wired into the benchmark`;
    }
  }
  return "missing: no `*PubsubClient` under `examples/custom-service/gen/` yet";
}
