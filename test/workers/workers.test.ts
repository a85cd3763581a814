import { describe, expect, it } from "vitest";
import { WorkerLifecycleError, WorkersError } from "../../runtime/workers/errors.js";
import { sleep } from "../../runtime/sleep.js";
import { WorkerFunction } from "../../runtime/workers/worker-function.js";
import { Workers } from "../../runtime/workers/workers.js";
import { ScriptedWorker, recordingLogger, timed } from "./helpers.js";

describe("Workers (group)", () => {
  it("starts all, reports every status, stops all", async () => {
    const a = new ScriptedWorker("loop", { name: "a" });
    const b = new ScriptedWorker("await-signal", { name: "b" });
    const group = new Workers({ name: "group", workers: [a, b] });
    expect(group.numWorkers).toBe(2);
    await group.startup();
    expect([a.state, b.state, group.state]).toEqual(["running", "running", "running"]);
    const status = group.status();
    expect(status).toMatchObject({ name: "group", state: "running", running: true, stopping: false, notStopped: [] });
    expect(status.workers.map((w) => [w.name, w.state])).toEqual([
      ["a", "running"],
      ["b", "running"],
    ]);
    await group.shutdown();
    expect([a.state, b.state, group.state]).toEqual(["stopped", "stopped", "stopped"]);
    await group.shutdown(); // idempotent
  });

  it("cancels a worker that ignores the stop after the grace period", async () => {
    const patient = new ScriptedWorker("ignore-stop", { name: "patient" });
    const polite = new ScriptedWorker("await-signal", { name: "polite" });
    const logger = recordingLogger();
    const group = new Workers({ workers: [patient, polite], stoppingGracePeriodMs: 80, logger });
    await group.startup();
    const { ms } = await timed(() => group.shutdown());
    expect(ms).toBeGreaterThanOrEqual(70);
    expect(ms).toBeLessThan(1_000);
    expect(patient.cancelSignal.aborted).toBe(true);
    expect(polite.cancelSignal.aborted).toBe(false); // it stopped in time: not cancelled
    expect(patient.state).toBe("stopped");
    expect(patient.failed).toBe(false);
    expect(logger.lines.some((l) => l.startsWith("warn workers: could not stop patient within 80 ms"))).toBe(true);
  });

  it("reports a worker that ignores even the cancellation as not stopped, and ends anyway", async () => {
    const stuck = new ScriptedWorker("stuck", { name: "stuck" });
    const fine = new ScriptedWorker("loop", { name: "fine" });
    const group = new Workers({ workers: [stuck, fine], stoppingGracePeriodMs: 40, cancelGracePeriodMs: 40 });
    await group.startup();
    const { ms, value: error } = await timed(() => group.shutdown().catch((e: unknown) => e));
    expect(ms).toBeLessThan(1_000);
    expect(error).toBeInstanceOf(WorkersError);
    expect((error as WorkersError).notStopped).toEqual(["stuck"]);
    expect((error as WorkersError).failures).toEqual([]);
    expect((error as Error).message).toBe("workers: did not stop: stuck");
    expect(group.state).toBe("stopped");
    expect(stuck.state).toBe("stopping");
    expect(stuck.cancelSignal.aborted).toBe(true);
    expect(group.status()).toMatchObject({ notStopped: ["stuck"], error: "workers: did not stop: stuck" });
  });

  it("stops the others when a worker fails, and reports the failure (bail out)", async () => {
    const failing = new ScriptedWorker("fail", { name: "failing" });
    const other = new ScriptedWorker("await-signal", { name: "other" });
    const group = new Workers({ workers: [failing, other] });
    await group.startup();
    const error = await group.waitForShutdown().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkersError);
    expect((error as WorkersError).failures).toEqual([{ name: "failing", error: failing.failure }]);
    expect((error as WorkersError).errors).toEqual([failing.failure]);
    expect((error as Error).message).toBe("workers: failed: failing (boom)");
    expect(other.state).toBe("stopped");
    expect(other.failed).toBe(false);
    expect(group.status().error).toBe("workers: failed: failing (boom)");
  });

  it("bails out when a worker exits on its own by default, but not with on-failure", async () => {
    const exits = new ScriptedWorker("exit", { name: "exits" });
    const other = new ScriptedWorker("await-signal");
    const group = new Workers({ workers: [exits, other] });
    await group.startup();
    await group.waitForShutdown(); // a clean exit is not a failure
    expect(other.state).toBe("stopped");

    const exits2 = new ScriptedWorker("exit");
    const other2 = new ScriptedWorker("await-signal");
    const tolerant = new Workers({ workers: [exits2, other2], bailOut: "on-failure" });
    await tolerant.startup();
    await exits2.waitForShutdown();
    await sleep(10);
    expect([tolerant.state, other2.state]).toEqual(["running", "running"]);
    await tolerant.shutdown();
  });

  it("keeps running with bailOut never, and still reports the failure at the end", async () => {
    const failing = new ScriptedWorker("fail", { name: "failing" });
    const other = new ScriptedWorker("await-signal");
    const group = new Workers({ workers: [failing, other], bailOut: "never" });
    await group.startup();
    await failing.waitForShutdown().catch(() => {});
    await sleep(10);
    expect([group.state, other.state]).toEqual(["running", "running"]);
    await expect(group.shutdown()).rejects.toBeInstanceOf(WorkersError);
    expect(other.state).toBe("stopped");
  });

  it("rejects startup when a worker fails to start, stopping the ones that started", async () => {
    const ok = new ScriptedWorker("await-signal", { name: "ok" });
    const bad = new ScriptedWorker("loop", { name: "bad" });
    bad.failStartup = true;
    const group = new Workers({ workers: [ok, bad] });
    const error = await group.startup().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkersError);
    expect((error as WorkersError).failures.map((f) => f.name)).toEqual(["bad"]);
    expect([ok.state, bad.state, group.state]).toEqual(["stopped", "stopped", "stopped"]);
  });

  it("leaves no worker running when one exits while the others are still starting", async () => {
    const exits = new ScriptedWorker("exit", { name: "exits" });
    const slow = new ScriptedWorker("await-signal", { name: "slow" });
    slow.startupDelayMs = 30;
    const group = new Workers({ workers: [exits, slow] });
    await group.startup(); // the bail-out happened during startup
    await group.waitForShutdown();
    expect([exits.state, slow.state, group.state]).toEqual(["stopped", "stopped", "stopped"]);
  });

  it("starts workers added while running, and stops removed ones no more", async () => {
    const group = new Workers();
    await group.startup();
    const late = new WorkerFunction(() => {}, { heartbeatMs: 5, name: "late" });
    group.add(late);
    await sleep(20);
    expect(late.state).toBe("running");
    const detached = new ScriptedWorker("await-signal");
    group.add(detached, detached); // duplicates ignored
    expect(group.numWorkers).toBe(2);
    expect(group.remove(detached)).toBe(1);
    await group.shutdown();
    expect(late.state).toBe("stopped");
    expect(detached.state).toBe("running"); // removed: the caller's to stop
    await detached.shutdown();
    expect(() => group.add(new ScriptedWorker("exit"))).toThrow(WorkerLifecycleError);
    expect(() => new Workers({ workers: [late] })).toThrow(/not new/);
  });

  it("cancels every worker at once when the group is cancelled", async () => {
    const a = new ScriptedWorker("ignore-stop");
    const group = new Workers({ workers: [a], stoppingGracePeriodMs: 60_000 });
    await group.startup();
    const { ms } = await timed(async () => {
      group.cancel("test");
      await group.waitForShutdown();
    });
    expect(ms).toBeLessThan(500);
    expect(a.cancelSignal.aborted).toBe(true);
  });

  it("nests: a group inside a group stops with it", async () => {
    const leaf = new ScriptedWorker("loop");
    const inner = new Workers({ name: "inner", workers: [leaf] });
    const outer = new Workers({ name: "outer", workers: [inner] });
    await outer.startup();
    expect(leaf.isRunning()).toBe(true);
    await outer.shutdown();
    expect([leaf.state, inner.state]).toEqual(["stopped", "stopped"]);
    expect(outer.status().workers[0]).toMatchObject({ name: "inner", workers: [{ state: "stopped" }] });
  });
});
