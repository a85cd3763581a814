#!/usr/bin/env node
// protoc-gen-virtufin-ts: runs the compiled plugin (dist/main.js). The plugin is compiled ahead of
// time so that a run starts fast; in this repository `npm run build` compiles it.
import { existsSync } from "node:fs";
import { register } from "node:module";
import { fileURLToPath } from "node:url";

const [major] = process.versions.node.split(".").map(Number);
if (major < 20) {
  process.stderr.write(`protoc-gen-virtufin-ts: Node.js 20 or newer is required (this is ${process.version})\n`);
  process.exit(1);
}
const main = new URL("../dist/main.js", import.meta.url);
const hooks = new URL("../dist/startup/skip-typescript.js", import.meta.url);
if (!existsSync(fileURLToPath(main)) || !existsSync(fileURLToPath(hooks))) {
  process.stderr.write(
    "protoc-gen-virtufin-ts: the plugin is not built (dist/main.js is missing); in the Virtufin repository run `npm run build`\n",
  );
  process.exit(1);
}
// Keeps protoplugin's optional TypeScript transpiler from loading (half a second per run).
register(hooks);
try {
  await import(main.href);
} catch (error) {
  // A dependency or peer that is not installed (npm --legacy-peer-deps, a strict pnpm layout):
  // say which package and the command, instead of Node's resolver trace.
  const missing = /Cannot find package '([^']+)'/.exec(String(error?.message));
  if (error?.code !== "ERR_MODULE_NOT_FOUND" || !missing) throw error;
  process.stderr.write(`protoc-gen-virtufin-ts: the package ${missing[1]} is not installed; run: npm i ${missing[1]}\n`);
  process.exit(1);
}
