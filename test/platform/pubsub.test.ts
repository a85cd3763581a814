// Pub/sub of the platform client against the emulator: payload kinds, CloudEvent metadata,
// iterables and handlers, Gateway-wide filtered subscriptions, subscription runners.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GatewayEvent } from "../../platform/gateway/gateway-event.js";
import { type PubsubEvent } from "../../platform/pubsub/event.js";
import { SubscriptionRunner } from "../../platform/pubsub/runners.js";
import { Code, VirtufinError } from "../../runtime/errors.js";
import { RunnerState } from "../../runtime/runners/types.js";
import { startFixture, type EmulatorFixture } from "../support/emulator.js";

let fx: EmulatorFixture;
beforeAll(async () => {
  fx = await startFixture();
});
afterAll(() => fx.close());

async function take<T>(source: AsyncIterable<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) {
    out.push(item);
    if (out.length === n) break;
  }
  return out;
}

describe("pubsub", () => {
  it("publishes objects as JSON, strings as text and bytes as they are", async () => {
    const events = await fx.api.pubsub.subscribeReady("kinds");
    const received = take(events, 3);
    await fx.api.pubsub.publish(
      "kinds",
      { hello: "world" },
      { correlationId: "c-1", type: "com.example.hello", metadata: { scenarioid: "LIVE" } },
    );
    await fx.api.pubsub.publish("kinds", "plain text");
    await fx.api.pubsub.publish("kinds", new Uint8Array([0, 1, 2]));
    const [json, text, bytes] = await received;
    expect(json!.dataAsJson()).toEqual({ hello: "world" });
    expect(json!.correlationId).toBe("c-1");
    expect(json!.type).toBe("com.example.hello");
    expect(json!.contentType).toBe("application/json");
    expect(json!.metadata["scenarioid"]).toBe("LIVE");
    expect(json!.messageId).toMatch(/\S+/);
    expect(json!.messageId).toBe(json!.metadata["ce-id"]);
    expect(Number.isNaN(Date.parse(json!.timestamp))).toBe(false);
    expect(json!.topic).toBe("kinds");
    expect(text!.dataAsText()).toBe("plain text");
    expect(text!.contentType).toBe("text/plain");
    expect([...bytes!.data]).toEqual([0, 1, 2]);
    expect(() => text!.dataAsJson()).toThrow(VirtufinError);
  });

  it("fans every event out to every subscriber", async () => {
    const a = await fx.api.pubsub.subscribeReady("fan");
    const b = await fx.api.pubsub.subscribeReady("fan");
    const got = Promise.all([take(a, 3), take(b, 3)]);
    for (let i = 0; i < 3; i++) await fx.api.pubsub.publish("fan", { i });
    const [ea, eb] = await got;
    expect(ea.map((e) => e.dataAsJson())).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    expect(eb.map((e) => e.messageId)).toEqual(ea.map((e) => e.messageId));
  });

  it("ends a subscription quietly when its signal aborts", async () => {
    const controller = new AbortController();
    const events = await fx.api.pubsub.subscribeReady("quiet", { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const seen: PubsubEvent[] = [];
    for await (const event of events) seen.push(event);
    expect(seen).toEqual([]);
  });

  it("delivers to a handler (seed: StreamEventHandler) until closed", async () => {
    const seen: string[] = [];
    const errors: Error[] = [];
    const sub = fx.api.pubsub.subscribeWithHandler("handled", {
      onEvent: (e) => void seen.push(e.dataAsText()),
      onError: (e) => void errors.push(e),
    });
    await expect
      .poll(
        async () => {
          await fx.api.pubsub.publish("handled", "ping");
          return seen.length;
        },
        { timeout: 5_000, interval: 100 },
      )
      .toBeGreaterThan(0);
    await sub.close();
    const count = seen.length;
    await fx.api.pubsub.publish("handled", "after close");
    await new Promise((r) => setTimeout(r, 100));
    expect(seen.length).toBe(count);
    expect(errors).toEqual([]);
  });

  it("rejects an empty topic with INVALID_ARGUMENT before calling the server", async () => {
    await expect(fx.api.pubsub.publish("", "x")).rejects.toMatchObject({ code: Code.InvalidArgument });
    expect(() => fx.api.pubsub.subscribe(" ")).toThrow(/non-empty string/);
  });

  it("streams Gateway-wide events filtered by event type and topic", async () => {
    const controller = new AbortController();
    const states: GatewayEvent[] = [];
    const done = (async () => {
      for await (const event of fx.api.subscribe({ eventTypes: ["state"], signal: controller.signal })) {
        states.push(event);
        if (states.length === 1) controller.abort();
      }
    })();
    await expect
      .poll(
        async () => {
          await fx.api.state.save("workmanager", "gw-filter", "v", { includeValue: true });
          return states.length;
        },
        { timeout: 5_000, interval: 100 },
      )
      .toBeGreaterThan(0);
    await done;
    expect(states[0]!.eventType).toBe("state");
    expect(states[0]!.topic).toBe("state-changes");
    expect(states[0]!.dataAsJson()).toMatchObject({ service: "workmanager", key: "gw-filter", action: "save", value: "v" });

    const topics: GatewayEvent[] = [];
    const stop = new AbortController();
    const byTopic = (async () => {
      for await (const event of fx.api.subscribe({ topics: ["gw-topic"], signal: stop.signal })) {
        topics.push(event);
        stop.abort();
      }
    })();
    await expect
      .poll(
        async () => {
          await fx.api.pubsub.publish("other-topic", "no");
          await fx.api.pubsub.publish("gw-topic", "yes");
          return topics.length;
        },
        { timeout: 5_000, interval: 100 },
      )
      .toBeGreaterThan(0);
    await byTopic;
    expect(topics.every((e) => e.topic === "gw-topic")).toBe(true);
  });

  it("runs a subscription as a runner with a lifecycle", async () => {
    const seen: string[] = [];
    const runner = new SubscriptionRunner(fx.api.pubsub, "as-runner", (e) => void seen.push(e.dataAsText()));
    expect(runner.state).toBe(RunnerState.INIT);
    await runner.startup();
    expect(runner.state).toBe(RunnerState.RUNNING);
    await fx.api.pubsub.publish("as-runner", "one");
    await fx.api.pubsub.publish("as-runner", "two");
    await expect.poll(() => seen, { timeout: 5_000 }).toEqual(["one", "two"]);
    expect(runner.status()).toMatchObject({ topic: "as-runner", handled: 2 });
    await runner.shutdown();
    expect(runner.state).toBe(RunnerState.STOPPED);
  });
});
