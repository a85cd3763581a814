/**
 * A watchdog on a worker process's resident memory. Python workers are capped by RLIMIT_AS and
 * JavaScript heaps by --max-old-space-size, but memory outside the V8 heap (Buffers, typed
 * arrays) had no cap at all: a JavaScript worker could take gigabytes. Sampling the resident
 * set from /proc covers every kind of allocation, in any language.
 */
import { readFile } from "node:fs/promises";

/** How often the resident set is sampled. */
export const MEMORY_SAMPLE_MS = 50;

/** Reads a process's resident set size in bytes (Linux), or undefined when it cannot. */
export async function residentBytes(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Samples `pid`'s resident memory every {@link MEMORY_SAMPLE_MS} and calls `onExceeded` once
 * when it is above `limitBytes`. Returns a function that stops watching. Does nothing where
 * /proc is not available (only Linux is watched).
 */
export function watchMemory(pid: number, limitBytes: number, onExceeded: (bytes: number) => void): () => void {
  if (process.platform !== "linux") return () => undefined;
  let busy = false;
  let stopped = false;
  const timer = setInterval(() => {
    if (busy || stopped) return;
    busy = true;
    void residentBytes(pid).then((bytes) => {
      busy = false;
      if (stopped || bytes === undefined || bytes <= limitBytes) return;
      stop();
      onExceeded(bytes);
    });
  }, MEMORY_SAMPLE_MS);
  // A watchdog must not keep the emulator alive on its own.
  timer.unref();
  const stop = () => {
    stopped = true;
    clearInterval(timer);
  };
  return stop;
}

/**
 * Room above `memoryLimitMb` before the watchdog kills: the runtime itself (Node's baseline is
 * some 50 MiB resident) and, for JavaScript, a moderate amount of memory outside the V8 heap.
 */
export const RESIDENT_SLACK_MB = 256;

/** The resident-memory limit of a worker process with the given memory limit. */
export function residentLimitBytes(memoryLimitMb: number): number {
  return (memoryLimitMb + RESIDENT_SLACK_MB) * 1024 * 1024;
}
