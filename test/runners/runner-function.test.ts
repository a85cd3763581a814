import { describe, expect, it } from "vitest";
import { sleep } from "../../runtime/sleep.js";
import { RunnerFunction } from "../../runtime/runners/runner-function.js";
import { timed } from "./helpers.js";
import { VirtufinError } from "../../runtime/errors.js";

describe("RunnerFunction", () => {
  it("calls its function repeatedly with the heartbeat between calls", async () => {
    const at: number[] = [];
    const runner = new RunnerFunction(() => void at.push(performance.now()), { heartbeatMs: 40, name: "beat" });
    await runner.startup();
    await sleep(190);
    await runner.shutdown();
    expect(at.length).toBeGreaterThanOrEqual(3);
    expect(at.length).toBeLessThanOrEqual(6);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(35);
    expect(runner.status()).toMatchObject({ name: "beat", state: "stopped", heartbeatMs: 40, calls: at.length });
  });

  it("stops at once, not after the heartbeat", async () => {
    const runner = new RunnerFunction(() => {}, { heartbeatMs: 60_000 });
    await runner.startup();
    const { ms } = await timed(() => runner.shutdown());
    expect(ms).toBeLessThan(200);
    expect(runner.calls).toBe(1);
  });

  it("lets the event loop turn between calls with a zero heartbeat", async () => {
    const runner = new RunnerFunction(() => {});
    await runner.startup();
    // A tight microtask loop would starve this timer forever.
    await sleep(20);
    await runner.shutdown();
    expect(runner.calls).toBeGreaterThan(1);
  });

  it("fails when its function throws, and passes the cancel signal to it", async () => {
    const signals: AbortSignal[] = [];
    const runner = new RunnerFunction((signal) => {
      signals.push(signal);
      if (signals.length === 3) throw new Error("third call failed");
    });
    await runner.startup();
    await expect(runner.waitForShutdown()).rejects.toThrow("third call failed");
    expect(runner.status()).toMatchObject({ state: "stopped", error: "third call failed", calls: 3 });
    expect(signals[0]).toBe(runner.cancelSignal);
  });

  it("rejects a negative heartbeat", () => {
    expect(() => new RunnerFunction(() => {}, { heartbeatMs: -1 })).toThrow(VirtufinError);
  });
});
