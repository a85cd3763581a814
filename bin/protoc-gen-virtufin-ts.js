#!/usr/bin/env node
// protoc-gen-virtufin-ts: runs the compiled plugin (dist/plugin/main.js). The plugin is compiled
// ahead of time so that a run starts fast; build it with `npm run build`.
import { existsSync } from "node:fs";
import { register } from "node:module";
import { fileURLToPath } from "node:url";

const main = new URL("../dist/plugin/main.js", import.meta.url);
const hooks = new URL("../dist/plugin/startup/skip-typescript.js", import.meta.url);
if (!existsSync(fileURLToPath(main)) || !existsSync(fileURLToPath(hooks))) {
  process.stderr.write(
    "protoc-gen-virtufin-ts: the plugin is not built (dist/plugin/main.js is missing); run `npm run build` first\n",
  );
  process.exit(1);
}
// Keeps protoplugin's optional TypeScript transpiler from loading (half a second per run).
register(hooks);
await import(main.href);
