import { describe, expect, it } from "vitest";
import { createWorker } from "../../runtime/workers/create-worker.js";
import { sleep } from "../../runtime/sleep.js";

describe("createWorker", () => {
  it("runs the function once with the stop signal and the hooks around it", async () => {
    const events: string[] = [];
    const worker = createWorker(
      async (signal, self) => {
        events.push(`run ${self.name} ${self.state}`);
        while (await sleep(10_000, signal)) events.push("never");
        events.push(`aborted ${signal.aborted}`);
      },
      { name: "fn", onStartup: () => void events.push("startup"), onShutdown: () => void events.push("shutdown") },
    );
    await worker.startup();
    await worker.shutdown();
    expect(events).toEqual(["startup", "run fn running", "aborted true", "shutdown"]);
    expect(worker.status()).toEqual({ name: "fn", state: "stopped", running: false, stopping: false });
  });

  it("is named after the function when no name is given, and fails with the function", async () => {
    async function pricesSubscriber(): Promise<void> {
      throw new Error("stream closed");
    }
    const worker = createWorker(pricesSubscriber);
    expect(worker.name).toBe("prices-subscriber");
    await worker.startup();
    await expect(worker.waitForShutdown()).rejects.toThrow("stream closed");
  });
});
