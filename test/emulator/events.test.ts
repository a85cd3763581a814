import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Gateway, type TopicEventRequest } from "../../generated/virtufin/gateway_pb.js";
import { Pubsub } from "../../generated/virtufin/pubsub_pb.js";
import { State } from "../../generated/virtufin/state_pb.js";
import { startEmulator, type Emulator } from "../../emulator/index.js";
import { collect, dataJson, grpcClient, quiesce, waitFor, waitForStreams } from "./helpers.js";

let emulator: Emulator;
let gateway: ReturnType<typeof grpcClient<typeof Gateway>>;
let pubsub: ReturnType<typeof grpcClient<typeof Pubsub>>;
let state: ReturnType<typeof grpcClient<typeof State>>;
const bytes = (text: string) => new TextEncoder().encode(text);

beforeAll(async () => {
  emulator = await startEmulator({ ports: 0, logLevel: "silent" });
  gateway = grpcClient(Gateway, emulator.addresses.gateway.url);
  pubsub = grpcClient(Pubsub, emulator.addresses.gateway.url);
  state = grpcClient(State, emulator.addresses.gateway.url);
});
afterAll(() => emulator?.stop());
beforeEach(() => quiesce(emulator));

/** Opens Gateway.Subscribe streams, emits a fixed mix of events, then returns what each saw. */
async function observe(filters: { services?: string[]; topics?: string[]; eventTypes?: string[] }[]) {
  const streams = filters.map((f) => collect((signal) => gateway.subscribe(f, { signal })));
  await waitForStreams(emulator, streams.length);
  await pubsub.publishEvent({
    topic: "workmanager.lifecycle",
    data: bytes('{"state":"started"}'),
    metadata: { "ce-type": "com.virtufin.workmanager.lifecycle.started" },
  });
  await pubsub.publishEvent({ topic: "prices", data: bytes('{"p":1}'), metadata: { service: "pricing" } });
  await state.saveState({ service: "workmanager", key: "w1", value: "{}" });
  await state.saveState({ service: "pricing", key: "p1", value: "{}" });
  // A final marker on a topic every stream lets through proves earlier events had their chance.
  await pubsub.publishEvent({ topic: "marker", data: bytes("{}"), metadata: { service: "marker" } });
  return streams;
}

const summary = (items: TopicEventRequest[]) => items.filter((e) => e.topic !== "marker").map((e) => `${e.path}:${e.topic}`);

describe("Gateway.Subscribe", () => {
  it("without filters delivers state, pubsub and system events in TopicEventRequest envelopes", async () => {
    const [all] = await observe([{}]);
    await waitFor(() => all!.items.some((e) => e.topic === "marker"), "the marker");
    all!.abort.abort();
    expect(summary(all!.items)).toEqual([
      "pubsub:workmanager.lifecycle",
      "pubsub:prices",
      "state:state-changes",
      "state:state-changes",
    ]);
    const lifecycle = all!.items[0]!;
    expect(lifecycle).toMatchObject({
      type: "com.virtufin.workmanager.lifecycle.started",
      specVersion: "1.0",
      dataContentType: "application/json",
      pubsubName: "pubsub",
    });
    expect(lifecycle.id).not.toBe("");
    expect(dataJson(all!.items[2]!.data)).toEqual({ service: "workmanager", key: "w1", action: "save" });
  });

  it("filters by service, topic and event type; non-empty filters narrow each other", async () => {
    const streams = await observe([
      { services: ["workmanager", "marker"] },
      { topics: ["prices", "marker"] },
      { eventTypes: ["state"], services: ["pricing"], topics: [] },
      { eventTypes: ["state", "pubsub"], topics: ["state-changes", "marker"] },
      { services: ["pricing", "marker"], eventTypes: ["pubsub"] },
    ]);
    for (const s of streams.slice(0, 2)) await waitFor(() => s.items.some((e) => e.topic === "marker"), "the marker");
    await waitFor(() => streams[3]!.items.some((e) => e.topic === "marker"), "the marker");
    await waitFor(() => streams[4]!.items.some((e) => e.topic === "marker"), "the marker");
    // The third filter does not let the marker through: wait for its one event instead.
    await waitFor(() => streams[2]!.items.length >= 1, "the pricing state event");
    for (const s of streams) s.abort.abort();
    expect(summary(streams[0]!.items)).toEqual(["pubsub:workmanager.lifecycle", "state:state-changes"]);
    expect(summary(streams[1]!.items)).toEqual(["pubsub:prices"]);
    expect(summary(streams[2]!.items)).toEqual(["state:state-changes"]);
    expect(dataJson(streams[2]!.items[0]!.data)).toMatchObject({ service: "pricing", key: "p1" });
    expect(summary(streams[3]!.items)).toEqual(["state:state-changes", "state:state-changes"]);
    expect(summary(streams[4]!.items)).toEqual(["pubsub:prices"]);
  });

  it("WatchSystemEvents streams pubsub_subscription connected and disconnected events", async () => {
    const watch = collect((signal) => gateway.watchSystemEvents({}, { signal }));
    await waitForStreams(emulator, 1);
    const sub = collect((signal) => pubsub.subscribe({ topic: "watched" }, { signal }));
    await waitFor(() => watch.items.length >= 1, "the connected event");
    sub.abort.abort();
    await waitFor(() => watch.items.length >= 2, "the disconnected event");
    watch.abort.abort();
    const events = watch.items.map((e) => ({ path: e.path, type: e.type, data: dataJson(e.data) as Record<string, unknown> }));
    expect(events[0]).toMatchObject({
      path: "system",
      type: "com.virtufin.system.pubsub_subscription.connected",
      data: { eventType: "pubsub_subscription", status: "connected", topic: "watched" },
    });
    expect(events[1]).toMatchObject({ path: "system", data: { status: "disconnected", topic: "watched" } });
    // A Gateway.Subscribe filtered on "system" sees the same kind of event.
    const systemOnly = collect((signal) => gateway.subscribe({ eventTypes: ["system"] }, { signal }));
    await waitForStreams(emulator, 1);
    await pubsub.publishEvent({ topic: "not-system", data: bytes("{}") });
    const again = collect((signal) => pubsub.subscribe({ topic: "watched-2" }, { signal }));
    await waitFor(() => systemOnly.items.length >= 1, "a system event");
    again.abort.abort();
    systemOnly.abort.abort();
    expect(systemOnly.items.every((e) => e.path === "system")).toBe(true);
  });
});
