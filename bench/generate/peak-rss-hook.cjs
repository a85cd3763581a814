// Preloaded into every measured plugin with `node --require <this file>`. At exit it writes the
// process's peak resident set size and its CPU times to the file named by BENCH_RESOURCE_FILE.
//
// The peak is VmHWM from /proc/self/status: the kernel's high-water mark of this process's own
// address space, so nothing is missed between samples and the hook costs nothing while the
// plugin runs. NOT getrusage's ru_maxrss (process.resourceUsage().maxRSS): on Linux that value
// survives execve and includes the parent's resident set copied at fork, so a plugin spawned by
// a harness holding 1 GB would report at least 1 GB. ru_maxrss is only the fallback where /proc
// does not exist.
// Plain CommonJS on purpose: node loads it before the plugin, without tsx or a build.
"use strict";
const { readFileSync, writeFileSync } = require("node:fs");

function highWaterKb() {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (match) return { peakKb: Number(match[1]), source: "VmHWM" };
  } catch {
    // Not Linux: fall through to getrusage.
  }
  return { peakKb: process.resourceUsage().maxRSS, source: "ru_maxrss" };
}

const target = process.env.BENCH_RESOURCE_FILE;
if (target) {
  // Processes this plugin might spawn must not overwrite our numbers.
  delete process.env.BENCH_RESOURCE_FILE;
  process.on("exit", () => {
    const usage = process.resourceUsage();
    try {
      writeFileSync(
        target,
        JSON.stringify({
          ...highWaterKb(),
          userCpuUs: usage.userCPUTime,
          systemCpuUs: usage.systemCPUTime,
        }),
      );
    } catch {
      // Nothing useful to do at exit; the harness falls back to its /proc samples.
    }
  });
}
