import { describe, expect, it } from "vitest";
import { RunnerLifecycleError } from "../../runtime/runners/errors.js";
import { sleep } from "../../runtime/sleep.js";
import { RunnerState } from "../../runtime/runners/types.js";
import { Runner } from "../../runtime/runners/runner.js";
import { ScriptedRunner, recordingLogger, timed } from "./helpers.js";

describe("Runner lifecycle", () => {
  it("goes INIT → RUNNING → STOPPING → STOPPED on a graceful stop", async () => {
    const runner = new ScriptedRunner("loop");
    expect(runner.state).toBe(RunnerState.INIT);
    expect(runner.status()).toEqual({ name: "scripted-runner", state: "init", running: false, stopping: false });
    await runner.startup();
    expect(runner.state).toBe("running");
    expect(runner.isRunning()).toBe(true);
    expect(runner.status()).toMatchObject({ state: "running", running: true, stopping: false });
    runner.gracefullyStop();
    expect(runner.state).toBe("stopping"); // synchronous transition
    expect(runner.isStopping()).toBe(true);
    expect(runner.stopSignal.aborted).toBe(true);
    expect(runner.cancelSignal.aborted).toBe(false);
    await runner.waitForShutdown();
    expect(runner.state).toBe("stopped");
    expect(runner.isStopped()).toBe(true);
    expect(runner.transitions).toEqual(["init->running", "running->stopping", "stopping->stopped"]);
    expect([runner.startupCalls, runner.shutdownCalls]).toEqual([1, 1]);
    expect(runner.failed).toBe(false);
  });

  it("passes through STOPPING when run returns on its own", async () => {
    const runner = new ScriptedRunner("exit");
    await runner.startup();
    await runner.waitForShutdown();
    expect(runner.transitions).toEqual(["init->running", "running->stopping", "stopping->stopped"]);
    expect(runner.stopSignal.aborted).toBe(true); // resources bound to the run signal are released
  });

  it("ends a failed run in STOPPED with the error kept, reported and thrown", async () => {
    const logger = recordingLogger();
    const runner = new ScriptedRunner("fail", { name: "failing", logger });
    await runner.startup();
    await expect(runner.waitForShutdown()).rejects.toBe(runner.failure);
    await expect(runner.shutdown()).rejects.toBe(runner.failure); // every call reports it
    expect(runner.state).toBe("stopped");
    expect(runner.failed).toBe(true);
    expect(runner.error).toBe(runner.failure);
    expect(runner.status()).toEqual({ name: "failing", state: "stopped", running: false, stopping: false, error: "boom" });
    expect(runner.shutdownCalls).toBe(1);
    expect(logger.lines).toContain("error failing run failed: boom");
  });

  it("treats a run rejecting with its abort reason after a stop as a clean stop", async () => {
    const runner = new ScriptedRunner("throw-on-abort");
    await runner.startup();
    await runner.shutdown();
    expect(runner.failed).toBe(false);
    expect(runner.state).toBe("stopped");
  });

  it("refuses to start twice, with a clear message", async () => {
    const runner = new ScriptedRunner("await-signal", { name: "once" });
    await runner.startup();
    const second = runner.startup();
    await expect(second).rejects.toBeInstanceOf(RunnerLifecycleError);
    await expect(second).rejects.toThrow('cannot start runner "once": it is running');
    await runner.shutdown();
    await expect(runner.startup()).rejects.toThrow("it is stopped (runners are single-use");
    expect(runner.startupCalls).toBe(1);
  });

  it("makes shutdown idempotent, also when called concurrently", async () => {
    const runner = new ScriptedRunner("await-signal");
    await runner.startup();
    await Promise.all([runner.shutdown(), runner.shutdown(), runner.shutdown()]);
    await runner.shutdown();
    runner.gracefullyStop();
    runner.cancel();
    expect(runner.state).toBe("stopped");
    expect(runner.shutdownCalls).toBe(1);
    expect(runner.transitions).toHaveLength(3);
  });

  it("goes INIT → STOPPED when stopped before it started", async () => {
    const runner = new ScriptedRunner("loop");
    await runner.shutdown();
    expect(runner.transitions).toEqual(["init->stopped"]);
    expect([runner.startupCalls, runner.shutdownCalls]).toEqual([0, 0]);
    await expect(runner.startup()).rejects.toBeInstanceOf(RunnerLifecycleError);
  });

  it("fails the startup when onStartup throws, ending STOPPED after onShutdown", async () => {
    const runner = new ScriptedRunner("loop");
    runner.failStartup = true;
    await expect(runner.startup()).rejects.toThrow("startup failed");
    expect(runner.state).toBe("stopped");
    expect(runner.transitions).toEqual(["init->running", "running->stopping", "stopping->stopped"]);
    expect(runner.shutdownCalls).toBe(1);
    await expect(runner.waitForShutdown()).rejects.toThrow("startup failed");
  });

  it("skips run when stopped during onStartup", async () => {
    let ran = false;
    class SlowStart extends Runner {
      protected override async onStartup(): Promise<void> {
        this.gracefullyStop();
      }
      protected async run(): Promise<void> {
        ran = true;
      }
    }
    const runner = new SlowStart();
    await runner.startup();
    await runner.waitForShutdown();
    expect(ran).toBe(false);
    expect(runner.state).toBe("stopped");
  });

  it("cancel aborts the cancel signal so a run ignoring the stop signal ends", async () => {
    const runner = new ScriptedRunner("ignore-stop");
    await runner.startup();
    runner.gracefullyStop();
    await sleep(30);
    expect(runner.state).toBe("stopping"); // still busy: it ignores the graceful stop
    runner.cancel("test");
    expect(runner.cancelSignal.aborted).toBe(true);
    await runner.waitForShutdown();
    expect(runner.state).toBe("stopped");
  });

  it("wakes a sleeping run at once on stop (no polling)", async () => {
    class Sleeper extends Runner {
      protected async run(signal: AbortSignal): Promise<void> {
        while (this.isRunning()) await sleep(10_000, signal);
      }
    }
    const runner = new Sleeper();
    await runner.startup();
    const { ms } = await timed(() => runner.shutdown());
    expect(ms).toBeLessThan(200);
  });

  it("shuts down at the end of an `await using` scope", async () => {
    const runner = new ScriptedRunner("await-signal");
    {
      await using scoped = runner;
      await scoped.startup();
      expect(runner.isRunning()).toBe(true);
    }
    expect(runner.state).toBe("stopped");
  });

  it("names runners after their class unless given a name, and logs through the logger only", async () => {
    class HTTPPoller2Runner extends ScriptedRunner {}
    expect(new HTTPPoller2Runner("exit").runnerName).toBe("http-poller2-runner");
    expect(new ScriptedRunner("exit", { name: "custom" }).name).toBe("custom");
    const logger = recordingLogger();
    const runner = new ScriptedRunner("await-signal", { name: "w", logger });
    await runner.startup();
    await runner.shutdown();
    expect(logger.lines).toEqual(["info w starting", "info w running", "info w stopping", "info w stopped"]);
  });
});
