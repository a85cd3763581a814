/**
 * Redis goes away: calls fail with UNAVAILABLE and a message naming Redis; when it is back the
 * replica works again by itself, and a subscription opened before the outage goes on.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, VirtufinError } from "../../runtime/errors.js";
import type { PubsubEvent } from "../../platform/pubsub/event.js";
import { startPlatform, until, type Platform } from "./helpers.js";

describe("Redis down and back", () => {
  let platform: Platform;
  beforeAll(async () => {
    platform = await startPlatform(1, {}, { aof: true });
  });
  afterAll(async () => platform?.stop());

  it("fails calls with UNAVAILABLE while Redis is down and recovers when it returns", async () => {
    const [replica] = platform.replicas;
    const api = replica!.api;
    await api.state.save("outage", "k", "before");
    const stop = new AbortController();
    const got: PubsubEvent[] = [];
    const events = await api.pubsub.subscribeReady("outage-topic", { signal: stop.signal });
    const reading = (async () => {
      for await (const event of events) got.push(event);
    })();
    await api.pubsub.publish("outage-topic", { n: 1 });
    await until("the first event", () => got.length === 1);

    await platform.redis.kill();
    const failure = async (call: Promise<unknown>) => {
      const error = await call.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(VirtufinError);
      expect((error as VirtufinError).code).toBe(Code.Unavailable);
      expect((error as VirtufinError).rawMessage).toMatch(/Redis backend at redis:\/\/127\.0\.0\.1:\d+\/0 is unavailable/);
    };
    await failure(api.state.get("outage", "k", { retry: false }));
    await failure(api.state.save("outage", "k", "during", { retry: false }));
    await failure(api.pubsub.publish("outage-topic", { n: 2 }, { retry: false }));

    await platform.redis.restart();
    await until("state calls work again", async () => {
      try {
        return (await api.state.get("outage", "k", { retry: false })).value === "before";
      } catch {
        return false;
      }
    });
    await api.state.save("outage", "k", "after");
    expect((await api.state.get("outage", "k")).value).toBe("after");
    // The subscription made before the outage was kept by the replica and reads on.
    await api.pubsub.publish("outage-topic", { n: 3 });
    await until("the event published after the outage", () => got.length === 2, 10_000);
    stop.abort();
    await reading;
    expect(got.map((e) => e.dataAsJson<{ n: number }>().n)).toEqual([1, 3]);
  });
});
