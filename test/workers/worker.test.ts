import { describe, expect, it } from "vitest";
import { WorkerLifecycleError } from "../../runtime/workers/errors.js";
import { sleep } from "../../runtime/sleep.js";
import { WorkerState } from "../../runtime/workers/types.js";
import { Worker } from "../../runtime/workers/worker.js";
import { ScriptedWorker, recordingLogger, timed } from "./helpers.js";

describe("Worker lifecycle", () => {
  it("goes INIT → RUNNING → STOPPING → STOPPED on a graceful stop", async () => {
    const worker = new ScriptedWorker("loop");
    expect(worker.state).toBe(WorkerState.INIT);
    expect(worker.status()).toEqual({ name: "scripted-worker", state: "init", running: false, stopping: false });
    await worker.startup();
    expect(worker.state).toBe("running");
    expect(worker.isRunning()).toBe(true);
    expect(worker.status()).toMatchObject({ state: "running", running: true, stopping: false });
    worker.gracefullyStop();
    expect(worker.state).toBe("stopping"); // synchronous transition
    expect(worker.isStopping()).toBe(true);
    expect(worker.stopSignal.aborted).toBe(true);
    expect(worker.cancelSignal.aborted).toBe(false);
    await worker.waitForShutdown();
    expect(worker.state).toBe("stopped");
    expect(worker.isStopped()).toBe(true);
    expect(worker.transitions).toEqual(["init->running", "running->stopping", "stopping->stopped"]);
    expect([worker.startupCalls, worker.shutdownCalls]).toEqual([1, 1]);
    expect(worker.failed).toBe(false);
  });

  it("passes through STOPPING when run returns on its own", async () => {
    const worker = new ScriptedWorker("exit");
    await worker.startup();
    await worker.waitForShutdown();
    expect(worker.transitions).toEqual(["init->running", "running->stopping", "stopping->stopped"]);
    expect(worker.stopSignal.aborted).toBe(true); // resources bound to the run signal are released
  });

  it("ends a failed run in STOPPED with the error kept, reported and thrown", async () => {
    const logger = recordingLogger();
    const worker = new ScriptedWorker("fail", { name: "failing", logger });
    await worker.startup();
    await expect(worker.waitForShutdown()).rejects.toBe(worker.failure);
    await expect(worker.shutdown()).rejects.toBe(worker.failure); // every call reports it
    expect(worker.state).toBe("stopped");
    expect(worker.failed).toBe(true);
    expect(worker.error).toBe(worker.failure);
    expect(worker.status()).toEqual({ name: "failing", state: "stopped", running: false, stopping: false, error: "boom" });
    expect(worker.shutdownCalls).toBe(1);
    expect(logger.lines).toContain("error failing run failed: boom");
  });

  it("treats a run rejecting with its abort reason after a stop as a clean stop", async () => {
    const worker = new ScriptedWorker("throw-on-abort");
    await worker.startup();
    await worker.shutdown();
    expect(worker.failed).toBe(false);
    expect(worker.state).toBe("stopped");
  });

  it("refuses to start twice, with a clear message", async () => {
    const worker = new ScriptedWorker("await-signal", { name: "once" });
    await worker.startup();
    const second = worker.startup();
    await expect(second).rejects.toBeInstanceOf(WorkerLifecycleError);
    await expect(second).rejects.toThrow('cannot start worker "once": it is running');
    await worker.shutdown();
    await expect(worker.startup()).rejects.toThrow("it is stopped (workers are single-use");
    expect(worker.startupCalls).toBe(1);
  });

  it("makes shutdown idempotent, also when called concurrently", async () => {
    const worker = new ScriptedWorker("await-signal");
    await worker.startup();
    await Promise.all([worker.shutdown(), worker.shutdown(), worker.shutdown()]);
    await worker.shutdown();
    worker.gracefullyStop();
    worker.cancel();
    expect(worker.state).toBe("stopped");
    expect(worker.shutdownCalls).toBe(1);
    expect(worker.transitions).toHaveLength(3);
  });

  it("goes INIT → STOPPED when stopped before it started", async () => {
    const worker = new ScriptedWorker("loop");
    await worker.shutdown();
    expect(worker.transitions).toEqual(["init->stopped"]);
    expect([worker.startupCalls, worker.shutdownCalls]).toEqual([0, 0]);
    await expect(worker.startup()).rejects.toBeInstanceOf(WorkerLifecycleError);
  });

  it("fails the startup when onStartup throws, ending STOPPED after onShutdown", async () => {
    const worker = new ScriptedWorker("loop");
    worker.failStartup = true;
    await expect(worker.startup()).rejects.toThrow("startup failed");
    expect(worker.state).toBe("stopped");
    expect(worker.transitions).toEqual(["init->running", "running->stopping", "stopping->stopped"]);
    expect(worker.shutdownCalls).toBe(1);
    await expect(worker.waitForShutdown()).rejects.toThrow("startup failed");
  });

  it("skips run when stopped during onStartup", async () => {
    let ran = false;
    class SlowStart extends Worker {
      protected override async onStartup(): Promise<void> {
        this.gracefullyStop();
      }
      protected async run(): Promise<void> {
        ran = true;
      }
    }
    const worker = new SlowStart();
    await worker.startup();
    await worker.waitForShutdown();
    expect(ran).toBe(false);
    expect(worker.state).toBe("stopped");
  });

  it("cancel aborts the cancel signal so a run ignoring the stop signal ends", async () => {
    const worker = new ScriptedWorker("ignore-stop");
    await worker.startup();
    worker.gracefullyStop();
    await sleep(30);
    expect(worker.state).toBe("stopping"); // still busy: it ignores the graceful stop
    worker.cancel("test");
    expect(worker.cancelSignal.aborted).toBe(true);
    await worker.waitForShutdown();
    expect(worker.state).toBe("stopped");
  });

  it("wakes a sleeping run at once on stop (no polling)", async () => {
    class Sleeper extends Worker {
      protected async run(signal: AbortSignal): Promise<void> {
        while (this.isRunning()) await sleep(10_000, signal);
      }
    }
    const worker = new Sleeper();
    await worker.startup();
    const { ms } = await timed(() => worker.shutdown());
    expect(ms).toBeLessThan(200);
  });

  it("shuts down at the end of an `await using` scope", async () => {
    const worker = new ScriptedWorker("await-signal");
    {
      await using scoped = worker;
      await scoped.startup();
      expect(worker.isRunning()).toBe(true);
    }
    expect(worker.state).toBe("stopped");
  });

  it("names workers after their class unless given a name, and logs through the logger only", async () => {
    class HTTPPoller2Worker extends ScriptedWorker {}
    expect(new HTTPPoller2Worker("exit").workerName).toBe("http-poller2-worker");
    expect(new ScriptedWorker("exit", { name: "custom" }).name).toBe("custom");
    const logger = recordingLogger();
    const worker = new ScriptedWorker("await-signal", { name: "w", logger });
    await worker.startup();
    await worker.shutdown();
    expect(logger.lines).toEqual(["info w starting", "info w running", "info w stopping", "info w stopped"]);
  });
});
