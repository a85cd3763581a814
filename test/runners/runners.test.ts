import { describe, expect, it } from "vitest";
import { RunnerLifecycleError, RunnersError } from "../../runtime/runners/errors.js";
import { sleep } from "../../runtime/sleep.js";
import { RunnerFunction } from "../../runtime/runners/runner-function.js";
import { Runners } from "../../runtime/runners/runners.js";
import { ScriptedRunner, recordingLogger, timed } from "./helpers.js";

describe("Runners (group)", () => {
  it("starts all, reports every status, stops all", async () => {
    const a = new ScriptedRunner("loop", { name: "a" });
    const b = new ScriptedRunner("await-signal", { name: "b" });
    const group = new Runners({ name: "group", runners: [a, b] });
    expect(group.numRunners).toBe(2);
    await group.startup();
    expect([a.state, b.state, group.state]).toEqual(["running", "running", "running"]);
    const status = group.status();
    expect(status).toMatchObject({ name: "group", state: "running", running: true, stopping: false, notStopped: [] });
    expect(status.runners.map((w) => [w.name, w.state])).toEqual([
      ["a", "running"],
      ["b", "running"],
    ]);
    await group.shutdown();
    expect([a.state, b.state, group.state]).toEqual(["stopped", "stopped", "stopped"]);
    await group.shutdown(); // idempotent
  });

  it("cancels a runner that ignores the stop after the grace period", async () => {
    const patient = new ScriptedRunner("ignore-stop", { name: "patient" });
    const polite = new ScriptedRunner("await-signal", { name: "polite" });
    const logger = recordingLogger();
    const group = new Runners({ runners: [patient, polite], stoppingGracePeriodMs: 80, logger });
    await group.startup();
    const { ms } = await timed(() => group.shutdown());
    expect(ms).toBeGreaterThanOrEqual(70);
    expect(ms).toBeLessThan(1_000);
    expect(patient.cancelSignal.aborted).toBe(true);
    expect(polite.cancelSignal.aborted).toBe(false); // it stopped in time: not cancelled
    expect(patient.state).toBe("stopped");
    expect(patient.failed).toBe(false);
    expect(logger.lines.some((l) => l.startsWith("warn runners: could not stop patient within 80 ms"))).toBe(true);
  });

  it("reports a runner that ignores even the cancellation as not stopped, and ends anyway", async () => {
    const stuck = new ScriptedRunner("stuck", { name: "stuck" });
    const fine = new ScriptedRunner("loop", { name: "fine" });
    const group = new Runners({ runners: [stuck, fine], stoppingGracePeriodMs: 40, cancelGracePeriodMs: 40 });
    await group.startup();
    const { ms, value: error } = await timed(() => group.shutdown().catch((e: unknown) => e));
    expect(ms).toBeLessThan(1_000);
    expect(error).toBeInstanceOf(RunnersError);
    expect((error as RunnersError).notStopped).toEqual(["stuck"]);
    expect((error as RunnersError).failures).toEqual([]);
    expect((error as Error).message).toBe("runners: did not stop: stuck");
    expect(group.state).toBe("stopped");
    expect(stuck.state).toBe("stopping");
    expect(stuck.cancelSignal.aborted).toBe(true);
    expect(group.status()).toMatchObject({ notStopped: ["stuck"], error: "runners: did not stop: stuck" });
  });

  it("stops the others when a runner fails, and reports the failure (bail out)", async () => {
    const failing = new ScriptedRunner("fail", { name: "failing" });
    const other = new ScriptedRunner("await-signal", { name: "other" });
    const group = new Runners({ runners: [failing, other] });
    await group.startup();
    const error = await group.waitForShutdown().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunnersError);
    expect((error as RunnersError).failures).toEqual([{ name: "failing", error: failing.failure }]);
    expect((error as RunnersError).errors).toEqual([failing.failure]);
    expect((error as Error).message).toBe("runners: failed: failing (boom)");
    expect(other.state).toBe("stopped");
    expect(other.failed).toBe(false);
    expect(group.status().error).toBe("runners: failed: failing (boom)");
  });

  it("bails out when a runner exits on its own by default, but not with on-failure", async () => {
    const exits = new ScriptedRunner("exit", { name: "exits" });
    const other = new ScriptedRunner("await-signal");
    const group = new Runners({ runners: [exits, other] });
    await group.startup();
    await group.waitForShutdown(); // a clean exit is not a failure
    expect(other.state).toBe("stopped");

    const exits2 = new ScriptedRunner("exit");
    const other2 = new ScriptedRunner("await-signal");
    const tolerant = new Runners({ runners: [exits2, other2], bailOut: "on-failure" });
    await tolerant.startup();
    await exits2.waitForShutdown();
    await sleep(10);
    expect([tolerant.state, other2.state]).toEqual(["running", "running"]);
    await tolerant.shutdown();
  });

  it("keeps running with bailOut never, and still reports the failure at the end", async () => {
    const failing = new ScriptedRunner("fail", { name: "failing" });
    const other = new ScriptedRunner("await-signal");
    const group = new Runners({ runners: [failing, other], bailOut: "never" });
    await group.startup();
    await failing.waitForShutdown().catch(() => {});
    await sleep(10);
    expect([group.state, other.state]).toEqual(["running", "running"]);
    await expect(group.shutdown()).rejects.toBeInstanceOf(RunnersError);
    expect(other.state).toBe("stopped");
  });

  it("rejects startup when a runner fails to start, stopping the ones that started", async () => {
    const ok = new ScriptedRunner("await-signal", { name: "ok" });
    const bad = new ScriptedRunner("loop", { name: "bad" });
    bad.failStartup = true;
    const group = new Runners({ runners: [ok, bad] });
    const error = await group.startup().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunnersError);
    expect((error as RunnersError).failures.map((f) => f.name)).toEqual(["bad"]);
    expect([ok.state, bad.state, group.state]).toEqual(["stopped", "stopped", "stopped"]);
  });

  it("leaves no runner running when one exits while the others are still starting", async () => {
    const exits = new ScriptedRunner("exit", { name: "exits" });
    const slow = new ScriptedRunner("await-signal", { name: "slow" });
    slow.startupDelayMs = 30;
    const group = new Runners({ runners: [exits, slow] });
    await group.startup(); // the bail-out happened during startup
    await group.waitForShutdown();
    expect([exits.state, slow.state, group.state]).toEqual(["stopped", "stopped", "stopped"]);
  });

  it("starts runners added while running, and stops removed ones no more", async () => {
    const group = new Runners();
    await group.startup();
    const late = new RunnerFunction(() => {}, { heartbeatMs: 5, name: "late" });
    group.add(late);
    await sleep(20);
    expect(late.state).toBe("running");
    const detached = new ScriptedRunner("await-signal");
    group.add(detached, detached); // duplicates ignored
    expect(group.numRunners).toBe(2);
    expect(group.remove(detached)).toBe(1);
    await group.shutdown();
    expect(late.state).toBe("stopped");
    expect(detached.state).toBe("running"); // removed: the caller's to stop
    await detached.shutdown();
    expect(() => group.add(new ScriptedRunner("exit"))).toThrow(RunnerLifecycleError);
    expect(() => new Runners({ runners: [late] })).toThrow(/not new/);
  });

  it("cancels every runner at once when the group is cancelled", async () => {
    const a = new ScriptedRunner("ignore-stop");
    const group = new Runners({ runners: [a], stoppingGracePeriodMs: 60_000 });
    await group.startup();
    const { ms } = await timed(async () => {
      group.cancel("test");
      await group.waitForShutdown();
    });
    expect(ms).toBeLessThan(500);
    expect(a.cancelSignal.aborted).toBe(true);
  });

  it("nests: a group inside a group stops with it", async () => {
    const leaf = new ScriptedRunner("loop");
    const inner = new Runners({ name: "inner", runners: [leaf] });
    const outer = new Runners({ name: "outer", runners: [inner] });
    await outer.startup();
    expect(leaf.isRunning()).toBe(true);
    await outer.shutdown();
    expect([leaf.state, inner.state]).toEqual(["stopped", "stopped"]);
    expect(outer.status().runners[0]).toMatchObject({ name: "inner", runners: [{ state: "stopped" }] });
  });
});
