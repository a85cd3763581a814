#!/usr/bin/env node
// virtufin-emulator: runs the compiled emulator CLI (dist/emulator/cli.js). Build it with
// `npm run build`; during development `npx tsx emulator/cli.ts` runs the sources directly.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const main = new URL("../dist/emulator/cli.js", import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write(
    "virtufin-emulator: the emulator is not built (dist/emulator/cli.js is missing); run `npm run build` first\n" +
      "  (or run the sources directly: npx tsx emulator/cli.ts)\n",
  );
  process.exit(1);
}
await import(main.href);
