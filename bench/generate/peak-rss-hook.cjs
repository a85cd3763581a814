// Preloaded into every measured plugin with `node --require <this file>`. At exit it writes the
// process's peak resident set size (getrusage ru_maxrss, via process.resourceUsage) and its CPU
// times to the file named by BENCH_RESOURCE_FILE. The kernel tracks the peak itself, so nothing
// is missed between samples, and the hook costs nothing while the plugin runs.
// Plain CommonJS on purpose: node loads it before the plugin, without tsx or a build.
"use strict";
const { writeFileSync } = require("node:fs");

const target = process.env.BENCH_RESOURCE_FILE;
if (target) {
  // Plugins run by this process's children must not overwrite our numbers.
  delete process.env.BENCH_RESOURCE_FILE;
  process.on("exit", () => {
    const usage = process.resourceUsage();
    try {
      writeFileSync(
        target,
        JSON.stringify({
          maxRssKb: usage.maxRSS,
          userCpuUs: usage.userCPUTime,
          systemCpuUs: usage.systemCPUTime,
        }),
      );
    } catch {
      // Nothing useful to do at exit; the harness falls back to its /proc samples.
    }
  });
}
