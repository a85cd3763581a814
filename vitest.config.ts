import { defineConfig } from "vitest/config";

// All tests talk to real servers on loopback; give them room on a 2-core machine, and keep the
// benchmarks (bench/) out of the timed suite.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: ["default"],
  },
});
