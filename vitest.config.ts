import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// All tests talk to real servers on loopback; give them room on a 2-core machine, and keep the
// benchmarks (bench/) out of the timed suite. Package names resolve to the sources here, as
// tsconfig.json's `paths` do for tsc and tsx; the consumer test proves the packed packages.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@virtufin\/sdk$/, replacement: here("./index.ts") },
      { find: /^@virtufin\/sdk\/node$/, replacement: here("./node.ts") },
      { find: /^@virtufin\/sdk\/runtime$/, replacement: here("./runtime.ts") },
      { find: /^@virtufin\/sdk\/internal$/, replacement: here("./internal.ts") },
      { find: /^@virtufin\/sdk\/gen\/(.*)$/, replacement: here("./generated/") + "$1.ts" },
      { find: /^@virtufin\/emulator$/, replacement: here("./emulator/index.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: ["default"],
  },
});
