import { describe, expect, it } from "vitest";
import { sleep } from "../../runtime/sleep.js";
import { WorkerFunction } from "../../runtime/workers/worker-function.js";
import { timed } from "./helpers.js";
import { VirtufinError } from "../../runtime/errors.js";

describe("WorkerFunction", () => {
  it("calls its function repeatedly with the heartbeat between calls", async () => {
    const at: number[] = [];
    const worker = new WorkerFunction(() => void at.push(performance.now()), { heartbeatMs: 40, name: "beat" });
    await worker.startup();
    await sleep(190);
    await worker.shutdown();
    expect(at.length).toBeGreaterThanOrEqual(3);
    expect(at.length).toBeLessThanOrEqual(6);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(35);
    expect(worker.status()).toMatchObject({ name: "beat", state: "stopped", heartbeatMs: 40, calls: at.length });
  });

  it("stops at once, not after the heartbeat", async () => {
    const worker = new WorkerFunction(() => {}, { heartbeatMs: 60_000 });
    await worker.startup();
    const { ms } = await timed(() => worker.shutdown());
    expect(ms).toBeLessThan(200);
    expect(worker.calls).toBe(1);
  });

  it("lets the event loop turn between calls with a zero heartbeat", async () => {
    const worker = new WorkerFunction(() => {});
    await worker.startup();
    // A tight microtask loop would starve this timer forever.
    await sleep(20);
    await worker.shutdown();
    expect(worker.calls).toBeGreaterThan(1);
  });

  it("fails when its function throws, and passes the cancel signal to it", async () => {
    const signals: AbortSignal[] = [];
    const worker = new WorkerFunction((signal) => {
      signals.push(signal);
      if (signals.length === 3) throw new Error("third call failed");
    });
    await worker.startup();
    await expect(worker.waitForShutdown()).rejects.toThrow("third call failed");
    expect(worker.status()).toMatchObject({ state: "stopped", error: "third call failed", calls: 3 });
    expect(signals[0]).toBe(worker.cancelSignal);
  });

  it("rejects a negative heartbeat", () => {
    expect(() => new WorkerFunction(() => {}, { heartbeatMs: -1 })).toThrow(VirtufinError);
  });
});
