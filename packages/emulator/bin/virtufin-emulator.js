#!/usr/bin/env node
// virtufin-emulator: runs the compiled emulator CLI (dist/cli.js). In this repository `npm run
// build` compiles it, and `npx tsx emulator/cli.ts` runs the sources directly.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const [major] = process.versions.node.split(".").map(Number);
if (major < 20) {
  process.stderr.write(`virtufin-emulator: Node.js 20 or newer is required (this is ${process.version})\n`);
  process.exit(1);
}
const main = new URL("../dist/cli.js", import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write(
    "virtufin-emulator: the emulator is not built (dist/cli.js is missing); in the Virtufin repository run `npm run build`\n" +
      "  (or run the sources directly: npx tsx emulator/cli.ts)\n",
  );
  process.exit(1);
}
try {
  await import(main.href);
} catch (error) {
  // A dependency or peer that is not installed (npm --legacy-peer-deps, a strict pnpm layout):
  // say which package and the command, instead of Node's resolver trace.
  const missing = /Cannot find package '([^']+)'/.exec(String(error?.message));
  if (error?.code !== "ERR_MODULE_NOT_FOUND" || !missing) throw error;
  process.stderr.write(`virtufin-emulator: the package ${missing[1]} is not installed; run: npm i ${missing[1]}\n`);
  process.exit(1);
}
