import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { stopOnSignals } from "../../runtime/workers/signals.js";
import { sleep } from "../../runtime/sleep.js";
import { ScriptedWorker } from "./helpers.js";

const counts = (): number[] => [process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")];

describe("stopOnSignals", () => {
  it("gracefully stops a worker on SIGTERM and removes its listeners once it stopped", async () => {
    const before = counts();
    const worker = new ScriptedWorker("await-signal");
    await worker.startup();
    const received: string[] = [];
    stopOnSignals(worker, { onSignal: (signal) => received.push(signal) });
    expect(counts()).toEqual([before[0]! + 1, before[1]! + 1]);
    process.emit("SIGTERM");
    expect(worker.state).toBe("stopping");
    await worker.waitForShutdown();
    await sleep(0);
    expect(received).toEqual(["SIGTERM"]);
    expect(counts()).toEqual(before);
  });

  it("cancels on a second signal", async () => {
    const before = counts();
    const worker = new ScriptedWorker("ignore-stop");
    await worker.startup();
    stopOnSignals(worker);
    process.emit("SIGINT");
    await sleep(10);
    expect(worker.state).toBe("stopping");
    expect(worker.cancelSignal.aborted).toBe(false);
    process.emit("SIGINT");
    expect(worker.cancelSignal.aborted).toBe(true);
    await worker.waitForShutdown();
    await sleep(0);
    expect(counts()).toEqual(before);
  });

  it("returns a disposer that removes the listeners (idempotent, and with `using`)", async () => {
    const before = counts();
    const worker = new ScriptedWorker("await-signal");
    await worker.startup();
    const dispose = stopOnSignals(worker, { signals: ["SIGTERM"] });
    expect(counts()).toEqual([before[0], before[1]! + 1]);
    dispose();
    dispose();
    expect(counts()).toEqual(before);
    process.emit("SIGTERM"); // no longer ours: the worker keeps running
    expect(worker.isRunning()).toBe(true);
    {
      using _ = stopOnSignals(worker);
      expect(counts()).toEqual([before[0]! + 1, before[1]! + 1]);
    }
    expect(counts()).toEqual(before);
    await worker.shutdown();
  });

  it("stops a group in a child process sent a real SIGTERM, which then exits 0", async () => {
    const fixture = fileURLToPath(new URL("./fixtures/signal-child.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", fixture], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child not ready: ${stdout} ${stderr}`)), 20_000);
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes("ready")) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    try {
      await ready;
      child.kill("SIGTERM");
      const code = await exited;
      expect(stderr).toBe("");
      expect(code).toBe(0);
      expect(stdout.trim().split("\n")).toEqual([
        "ready listeners=1",
        "got SIGTERM",
        "stopped group=stopped ticker=stopped listeners=0",
      ]);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
