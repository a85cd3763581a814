import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { stopOnSignals } from "../../runtime/runners/signals.js";
import { sleep } from "../../runtime/sleep.js";
import { ScriptedRunner } from "./helpers.js";

const counts = (): number[] => [process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")];

describe("stopOnSignals", () => {
  it("gracefully stops a runner on SIGTERM and removes its listeners once it stopped", async () => {
    const before = counts();
    const runner = new ScriptedRunner("await-signal");
    await runner.startup();
    const received: string[] = [];
    stopOnSignals(runner, { onSignal: (signal) => received.push(signal) });
    expect(counts()).toEqual([before[0]! + 1, before[1]! + 1]);
    process.emit("SIGTERM");
    expect(runner.state).toBe("stopping");
    await runner.waitForShutdown();
    await sleep(0);
    expect(received).toEqual(["SIGTERM"]);
    expect(counts()).toEqual(before);
  });

  it("cancels on a second signal", async () => {
    const before = counts();
    const runner = new ScriptedRunner("ignore-stop");
    await runner.startup();
    stopOnSignals(runner);
    process.emit("SIGINT");
    await sleep(10);
    expect(runner.state).toBe("stopping");
    expect(runner.cancelSignal.aborted).toBe(false);
    process.emit("SIGINT");
    expect(runner.cancelSignal.aborted).toBe(true);
    await runner.waitForShutdown();
    await sleep(0);
    expect(counts()).toEqual(before);
  });

  it("returns a disposer that removes the listeners (idempotent, and with `using`)", async () => {
    const before = counts();
    const runner = new ScriptedRunner("await-signal");
    await runner.startup();
    const dispose = stopOnSignals(runner, { signals: ["SIGTERM"] });
    expect(counts()).toEqual([before[0], before[1]! + 1]);
    dispose();
    dispose();
    expect(counts()).toEqual(before);
    process.emit("SIGTERM"); // no longer ours: the runner keeps running
    expect(runner.isRunning()).toBe(true);
    {
      using _ = stopOnSignals(runner);
      expect(counts()).toEqual([before[0]! + 1, before[1]! + 1]);
    }
    expect(counts()).toEqual(before);
    await runner.shutdown();
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
