import { describe, expect, it } from "vitest";
import { createRunner } from "../../runtime/runners/create-runner.js";
import { sleep } from "../../runtime/sleep.js";

describe("createRunner", () => {
  it("runs the function once with the stop signal and the hooks around it", async () => {
    const events: string[] = [];
    const runner = createRunner(
      async (signal, self) => {
        events.push(`run ${self.name} ${self.state}`);
        while (await sleep(10_000, signal)) events.push("never");
        events.push(`aborted ${signal.aborted}`);
      },
      { name: "fn", onStartup: () => void events.push("startup"), onShutdown: () => void events.push("shutdown") },
    );
    await runner.startup();
    await runner.shutdown();
    expect(events).toEqual(["startup", "run fn running", "aborted true", "shutdown"]);
    expect(runner.status()).toEqual({ name: "fn", state: "stopped", running: false, stopping: false });
  });

  it("is named after the function when no name is given, and fails with the function", async () => {
    async function pricesSubscriber(): Promise<void> {
      throw new Error("stream closed");
    }
    const runner = createRunner(pricesSubscriber);
    expect(runner.name).toBe("prices-subscriber");
    await runner.startup();
    await expect(runner.waitForShutdown()).rejects.toThrow("stream closed");
  });
});
