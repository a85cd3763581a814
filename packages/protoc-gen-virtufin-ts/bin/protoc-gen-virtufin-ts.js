#!/usr/bin/env node
// protoc-gen-virtufin-ts: runs the bundled plugin (dist/main.js, one file built ahead of time so
// that a run starts fast; in this repository `npm run build` builds it).
import { existsSync } from "node:fs";
import * as nodeModule from "node:module";
import { fileURLToPath } from "node:url";

const [major] = process.versions.node.split(".").map(Number);
if (major < 20) {
  process.stderr.write(`protoc-gen-virtufin-ts: Node.js 20 or newer is required (this is ${process.version})\n`);
  process.exit(1);
}
const main = new URL("../dist/main.js", import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write(
    "protoc-gen-virtufin-ts: the plugin is not built (dist/main.js is missing); in the Virtufin repository run `npm run build`\n",
  );
  process.exit(1);
}
// Node 22.1 and later can keep the compiled bundle in a disk cache between runs (buf starts the
// plugin on every generation); older versions have no such function and compile each time.
if (typeof nodeModule.enableCompileCache === "function") {
  nodeModule.enableCompileCache();
}
await import(main.href);
