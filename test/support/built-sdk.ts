/**
 * The built `@virtufin/sdk` package (node_modules/@virtufin/sdk → packages/sdk), which browser
 * tests bundle as an application would: rebuilt first when any of its sources is newer than
 * its dist/ (npm test's pretest builds it, so this is for running a browser test on its own).
 */
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root directory. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

const SOURCES = ["index.ts", "node.ts", "internal.ts", "runtime", "platform", "generated"];

function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** Builds packages/sdk when its dist/ is missing or older than a source file. */
export function ensureSdkBuilt(): void {
  const dist = join(ROOT, "packages", "sdk", "dist", "index.js");
  const stale = !existsSync(dist) || SOURCES.some((source) => newest(join(ROOT, source)) > statSync(dist).mtimeMs);
  if (!stale) return;
  const result = spawnSync(process.execPath, [join(ROOT, "scripts", "build.mjs"), "sdk"], { cwd: ROOT, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`building @virtufin/sdk failed:\n${result.stdout}${result.stderr}`);
}
