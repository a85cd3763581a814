/**
 * Pub/sub on Redis Streams across replicas: fan-out with identical ids, resume after a
 * reconnect to another replica (the Last-Event-ID header), events published while disconnected.
 */
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Pubsub } from "../../generated/virtufin/pubsub_pb.js";
import { ApiClient } from "../../platform/api-client.js";
import { type PubsubEvent } from "../../platform/pubsub/event.js";
import type { ReconnectInfo } from "../../platform/pubsub/reconnecting-stream.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";
import { startPlatform, until, type Platform } from "./helpers.js";

/** Reads a subscription into an array until aborted. */
function collect(events: AsyncIterable<PubsubEvent>, into: PubsubEvent[]): Promise<void> {
  return (async () => {
    for await (const event of events) into.push(event);
  })();
}

describe("pub/sub on Redis, across replicas", () => {
  let platform: Platform;
  let proxy: TcpProxy | undefined;
  beforeAll(async () => {
    platform = await startPlatform(2);
  });
  afterAll(async () => {
    await proxy?.close();
    await platform?.stop();
  });

  it("every subscriber on every replica sees every event, with the same ids, in publish order", async () => {
    const [a, b] = platform.replicas;
    const stop = new AbortController();
    const onA: PubsubEvent[] = [];
    const onB: PubsubEvent[] = [];
    const readA = collect(await a!.api.pubsub.subscribeReady("fan", { signal: stop.signal }), onA);
    const readB = collect(await b!.api.pubsub.subscribeReady("fan", { signal: stop.signal }), onB);
    for (let i = 0; i < 20; i++) await (i % 2 === 0 ? a! : b!).api.pubsub.publish("fan", { i });
    await until("20 events on both replicas", () => onA.length >= 20 && onB.length >= 20);
    stop.abort();
    await Promise.all([readA, readB]);
    expect(onA.map((e) => e.dataAsJson<{ i: number }>().i)).toEqual([...Array(20).keys()]);
    expect(onB.map((e) => e.messageId)).toEqual(onA.map((e) => e.messageId));
    expect(new Set(onA.map((e) => e.messageId)).size).toBe(20);
  });

  const resumeCase = async (topic: string, before: number, ready = false) => {
    const [a, b] = platform.replicas;
    const portA = a!.emulator.addresses.gateway.port;
    const portB = b!.emulator.addresses.gateway.port;
    proxy = await startTcpProxy([portA, portB]);
    proxy.drop(portB); // the client starts on replica a
    const client = new ApiClient({ host: "127.0.0.1", port: proxy.port });
    const stop = new AbortController();
    const got: PubsubEvent[] = [];
    const reconnects: ReconnectInfo[] = [];
    // Earlier tests' streams end asynchronously on the server: wait for none to be left.
    await until("no subscription left", () => a!.emulator.activeSubscriptions() === 0 && b!.emulator.activeSubscriptions() === 0);
    const options = { signal: stop.signal, onReconnect: (info: ReconnectInfo) => reconnects.push(info) };
    const reading = collect(
      ready ? await client.pubsub.subscribeReady(topic, options) : client.pubsub.subscribe(topic, options),
      got,
    );
    try {
      await until("the subscription on replica a", () => a!.emulator.activeSubscriptions() === 1);
      for (let i = 0; i < before; i++) await b!.api.pubsub.publish(topic, { i });
      await until(`${before} events before the cut`, () => got.length >= before);
      // Replica a goes away; nothing is reachable while events are published.
      proxy.drop(portA);
      await until("a reconnect attempt", () => reconnects.length >= 1);
      for (let i = before; i < before + 5; i++) await b!.api.pubsub.publish(topic, { i });
      // Now the client can reach replica b only, and resumes there.
      proxy.restore(portB);
      await until("the subscription on replica b", () => b!.emulator.activeSubscriptions() === 1);
      for (let i = before + 5; i < before + 10; i++) await a!.api.pubsub.publish(topic, { i });
      await until(`${before + 10} events`, () => got.length >= before + 10);
      await new Promise((resolve) => setTimeout(resolve, 200)); // would a duplicate follow?
    } finally {
      stop.abort();
      await reading;
      await client.close();
      await proxy.close();
      proxy = undefined;
    }
    expect(got.map((e) => e.dataAsJson<{ i: number }>().i)).toEqual([...Array(before + 10).keys()]);
    expect(reconnects[0]!.resumes).toBe(true);
  };

  it("a client that reconnects to another replica resumes after its last event: nothing lost, nothing twice", async () => {
    await resumeCase("resume", 5);
  });

  it("a subscribeReady() subscription resumes even when it had received no event of its own yet", async () => {
    // Its liveness probe is an event of the topic: the client has a position from the start.
    await resumeCase("resume-empty", 0, true);
  });

  it("a last-event-id sent twice in the stream (a retried publish) resumes after its first copy: nothing skipped", async () => {
    const [a, b] = platform.replicas;
    const publish = (text: string, id: string) => a!.api.pubsub.publish("dup-resume", text, { metadata: { "ce-id": id } });
    await publish("x", "dup");
    await publish("y", "y-id");
    await publish("x again", "dup"); // the publisher retried "dup" after y went out
    await publish("z", "z-id");
    const raw = createClient(Pubsub, createGrpcTransport({ baseUrl: b!.emulator.addresses.gateway.url }));
    const stop = new AbortController();
    const seen: string[] = [];
    let header: string | null = null;
    for await (const message of raw.subscribe(
      { topic: "dup-resume" },
      { signal: stop.signal, headers: { "last-event-id": "dup" }, onHeader: (h) => (header = h.get("last-event-id")) },
    )) {
      seen.push(message.messageId);
      if (message.messageId === "z-id") break;
    }
    stop.abort();
    expect(seen).toEqual(["y-id", "dup", "z-id"]);
    expect(header).toBe("dup");
  });

  it('a Gateway event stream ("*") on one replica sees events published on another', async () => {
    const [a, b] = platform.replicas;
    const stop = new AbortController();
    const seen: string[] = [];
    const reading = (async () => {
      for await (const event of a!.api.subscribe({ topics: ["gw-topic"], signal: stop.signal })) {
        seen.push(event.topic);
      }
    })().catch(() => undefined);
    await until("the Gateway stream", () => a!.emulator.activeStreams() >= 1);
    await b!.api.pubsub.publish("gw-topic", { x: 1 });
    await until("the event on the Gateway stream", () => seen.length >= 1);
    stop.abort();
    await reading;
    expect(seen).toEqual(["gw-topic"]);
  });
});
