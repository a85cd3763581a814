#!/usr/bin/env node
// protoc-gen-virtufin-ts: runs the compiled plugin (dist/plugin/main.js). The plugin is compiled
// ahead of time so that a run starts fast; build it with `npm run build`.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const main = new URL("../dist/plugin/main.js", import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write(
    "protoc-gen-virtufin-ts: the plugin is not built (dist/plugin/main.js is missing); run `npm run build` first\n",
  );
  process.exit(1);
}
await import(main.href);
