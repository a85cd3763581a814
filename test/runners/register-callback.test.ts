// Runners.registerCallback (aio-fluid's Workers.register_callback: one-off or periodic, with jitter,
// registered before start-up it waits for it) and the group's onShutdown hook. Real timers.
import { describe, expect, it } from "vitest";
import { RunnerLifecycleError, RunnersError } from "../../runtime/runners/errors.js";
import { sleep } from "../../runtime/sleep.js";
import { type RunnerLogger } from "../../runtime/runners/types.js";
import { Runners } from "../../runtime/runners/runners.js";
import { ScriptedRunner } from "./helpers.js";
import { VirtufinError } from "../../runtime/errors.js";

/** Timers alive in this process right now. */
const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

function recordingLogger(): RunnerLogger & { errors: string[] } {
  const errors: string[] = [];
  return { errors, info() {}, warn() {}, error: (message: string) => void errors.push(message) };
}

describe("Runners.registerCallback", () => {
  it("registered before start-up, a one-off callback waits for the group to start, then runs once", async () => {
    const group = new Runners({ runners: [new ScriptedRunner("await-signal")] });
    const at: number[] = [];
    group.registerCallback(() => void at.push(Date.now()), 0.02);
    await sleep(60);
    expect(at).toEqual([]); // not started: nothing ran
    expect(group.status().callbacks).toMatchObject({ scheduled: 1, runs: 0 });
    const started = Date.now();
    await group.startup();
    await sleep(80);
    expect(at).toHaveLength(1);
    expect(at[0]! - started).toBeGreaterThanOrEqual(15);
    expect(group.status().callbacks).toMatchObject({ scheduled: 0, runs: 1 });
    await group.shutdown();
  });

  it("a periodic callback runs until the group stops, and no timer is left after shutdown", async () => {
    await sleep(30); // let timers of earlier tests expire
    const before = timers();
    const group = new Runners({ runners: [new ScriptedRunner("await-signal")] });
    let runs = 0;
    group.registerCallback(() => void runs++, 0.01, { periodic: true });
    await group.startup();
    await sleep(120);
    expect(runs).toBeGreaterThanOrEqual(3);
    await group.shutdown();
    const atStop = runs;
    // No timer of ours is left (the test runner's own may come and go), and none fires later.
    expect(timers()).toBeLessThanOrEqual(before);
    expect(group.status().callbacks).toMatchObject({ scheduled: 0, running: 0 });
    await sleep(50);
    expect(runs).toBe(atStop);
  });

  it("periodic as a number: first after `seconds`, then every `periodic` seconds", async () => {
    const group = new Runners({ runners: [new ScriptedRunner("await-signal")] });
    const at: number[] = [];
    const started = Date.now();
    group.registerCallback(() => void at.push(Date.now() - started), 0.08, { periodic: 0.01 });
    await group.startup();
    await sleep(40);
    expect(at).toEqual([]);
    await sleep(100);
    await group.shutdown();
    expect(at[0]).toBeGreaterThanOrEqual(75);
    expect(at.length).toBeGreaterThanOrEqual(3); // then every 10 ms
  });

  it("adds up to `jitter` seconds at random to each delay", async () => {
    const group = new Runners({ runners: [new ScriptedRunner("await-signal")] });
    await group.startup();
    const started = Date.now();
    const at: number[] = [];
    for (let i = 0; i < 6; i++) group.registerCallback(() => void at.push(Date.now() - started), 0.01, { jitter: 0.06 });
    await sleep(150);
    await group.shutdown();
    expect(at).toHaveLength(6);
    for (const ms of at) {
      expect(ms).toBeGreaterThanOrEqual(9);
      expect(ms).toBeLessThan(140);
    }
    expect(Math.max(...at) - Math.min(...at)).toBeGreaterThan(0); // not all at the same moment
  });

  it("never overlaps runs of a slow periodic callback, and awaits the one in flight before shutting down", async () => {
    const events: string[] = [];
    const runner = new ScriptedRunner("await-signal");
    let running = 0;
    let most = 0;
    const group = new Runners({
      runners: [runner],
      onShutdown: () => void events.push(`hook (runner ${runner.state}, callbacks running ${group.status().callbacks.running})`),
    });
    group.registerCallback(
      async () => {
        running++;
        most = Math.max(most, running);
        events.push("callback start");
        await sleep(40);
        events.push("callback end");
        running--;
      },
      0,
      { periodic: 0.001 },
    );
    await group.startup();
    await sleep(60);
    await group.shutdown();
    expect(most).toBe(1);
    expect(events.at(-1)).toBe("hook (runner stopped, callbacks running 0)");
    expect(events.at(-2)).toBe("callback end");
  });

  it("a failing callback is logged; a periodic one keeps its schedule", async () => {
    const logger = recordingLogger();
    const group = new Runners({ runners: [new ScriptedRunner("await-signal")], logger, name: "group" });
    let calls = 0;
    group.registerCallback(
      function flaky() {
        calls++;
        throw new Error(`fail ${calls}`);
      },
      0.005,
      { periodic: true },
    );
    await group.startup();
    await sleep(60);
    await group.shutdown();
    expect(calls).toBeGreaterThanOrEqual(3);
    expect(group.failed).toBe(false);
    expect(logger.errors[0]).toMatch(/group: callback flaky failed: fail 1/);
    expect(group.status().callbacks.failures).toBe(calls);
  });

  it("refuses registrations once stopping, and bad delays", async () => {
    const group = new Runners({ runners: [new ScriptedRunner("await-signal")] });
    expect(() => group.registerCallback(() => {}, -1)).toThrow(VirtufinError);
    expect(() => group.registerCallback(() => {}, Number.NaN)).toThrow(VirtufinError);
    expect(() => group.registerCallback(() => {}, 1, { jitter: -0.1 })).toThrow(VirtufinError);
    expect(() => group.registerCallback(() => {}, 0, { periodic: true })).toThrow(VirtufinError); // a period of 0 would spin
    expect(() => group.registerCallback(undefined as never, 1)).toThrow(VirtufinError);
    await group.startup();
    await group.shutdown();
    expect(() => group.registerCallback(() => {}, 1)).toThrow(RunnerLifecycleError);
  });

  it("a group stopped before it started runs no callback and leaves no timer", async () => {
    await sleep(30);
    const before = timers();
    const group = new Runners({ runners: [new ScriptedRunner("await-signal")] });
    let runs = 0;
    group.registerCallback(() => void runs++, 0.001, { periodic: true });
    group.gracefullyStop();
    await sleep(20);
    expect(runs).toBe(0);
    expect(timers()).toBeLessThanOrEqual(before);
    expect(group.status().callbacks.scheduled).toBe(0);
  });
});

describe("Runners onShutdown hook", () => {
  it("is called once after every runner has stopped, on a bail-out too", async () => {
    const a = new ScriptedRunner("await-signal", { name: "a" });
    const b = new ScriptedRunner("exit", { name: "b" }); // exits on its own: the group bails out
    const seen: string[] = [];
    const group = new Runners({ runners: [a, b], onShutdown: () => void seen.push(`${a.state}/${b.state}`) });
    await group.startup();
    await group.waitForShutdown();
    expect(seen).toEqual(["stopped/stopped"]);
  });

  it("is called after a failed start-up, which still fails with the runners' error", async () => {
    const bad = new ScriptedRunner("await-signal", { name: "bad" });
    bad.failStartup = true;
    const good = new ScriptedRunner("await-signal", { name: "good" });
    const seen: string[] = [];
    const group = new Runners({ runners: [good, bad], onShutdown: () => void seen.push(good.state) });
    await expect(group.startup()).rejects.toBeInstanceOf(RunnersError);
    await group.waitForShutdown().catch(() => undefined);
    expect(seen).toEqual(["stopped"]);
  });

  it("a hook that throws fails the group with its error; after a runner failure it is logged instead", async () => {
    const group = new Runners({
      runners: [new ScriptedRunner("await-signal")],
      onShutdown: () => Promise.reject(new Error("cleanup failed")),
    });
    await group.startup();
    await expect(group.shutdown()).rejects.toThrow("cleanup failed");
    expect(group.failed).toBe(true);

    const logger = recordingLogger();
    const failing = new Runners({
      runners: [new ScriptedRunner("fail")],
      logger,
      onShutdown: () => {
        throw new Error("cleanup failed too");
      },
    });
    await failing.startup();
    await expect(failing.waitForShutdown()).rejects.toBeInstanceOf(RunnersError);
    expect(logger.errors.some((e) => /onShutdown failed: cleanup failed too/.test(e))).toBe(true);
  });
});
