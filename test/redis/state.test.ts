import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EtagMismatchError } from "../../runtime/errors.js";
import { startPlatform, type Platform } from "./helpers.js";

describe("state on Redis, two replicas", () => {
  let platform: Platform;
  beforeAll(async () => {
    platform = await startPlatform(2);
  });
  afterAll(async () => platform?.stop());

  it("a value written through one replica is read, with its etag, through the other", async () => {
    const [a, b] = platform.replicas;
    await a!.api.state.save("svc", "k", "v1");
    const read = await b!.api.state.get("svc", "k");
    expect(read.value).toBe("v1");
    expect(read.etag).not.toBe("");
    const again = await a!.api.state.get("svc", "k");
    expect(again.etag).toBe(read.etag);
  });

  it("two replicas racing on one etag: exactly one wins, the other gets ABORTED", async () => {
    const [a, b] = platform.replicas;
    for (let round = 0; round < 20; round++) {
      await a!.api.state.save("race", "key", `start-${round}`);
      const { etag } = await a!.api.state.get("race", "key");
      const results = await Promise.allSettled([
        a!.api.state.save("race", "key", `a-${round}`, { etag }),
        b!.api.state.save("race", "key", `b-${round}`, { etag }),
      ]);
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r) => r.status === "rejected");
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      const reason: unknown = (lost[0] as PromiseRejectedResult).reason;
      expect(reason).toBeInstanceOf(EtagMismatchError);
      expect((reason as EtagMismatchError).codeName).toBe("ABORTED");
      const winner = results[0].status === "fulfilled" ? `a-${round}` : `b-${round}`;
      expect((await b!.api.state.get("race", "key")).value).toBe(winner);
    }
  });

  it("state.update() increments from both replicas are exact", async () => {
    const [a, b] = platform.replicas;
    const inc = (v: string | undefined) => String(Number(v ?? 0) + 1);
    // The first write of a missing key cannot be conditional (contract): create it first.
    await a!.api.state.save("count", "n", "0");
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a! : b!).api.state.update("count", "n", inc)));
    expect((await a!.api.state.get("count", "n")).value).toBe("40");
  });

  it("registerKeys and getAll are shared; state-change events reach subscribers on every replica", async () => {
    const [a, b] = platform.replicas;
    await a!.api.state.registerKeys("reg", ["x", "y"]);
    await b!.api.state.save("reg", "x", "1");
    await a!.api.state.save("reg", "y", "2");
    await a!.api.state.save("other", "z", "3");
    expect(await b!.api.state.getAll("reg")).toEqual({ x: "1", y: "2" });

    const controller = new AbortController();
    const seen: string[] = [];
    const events = await b!.api.pubsub.subscribeReady("state-changes", { signal: controller.signal });
    const reading = (async () => {
      for await (const event of events) {
        const change = event.dataAsJson<{ service: string; key: string }>();
        if (change.service === "reg-events") seen.push(change.key);
        if (seen.length === 2) break;
      }
    })();
    await a!.api.state.save("reg-events", "p", "1");
    await a!.api.state.delete("reg-events", "p");
    await reading;
    controller.abort();
    expect(seen).toEqual(["p", "p"]);
  });
});
