// The emulator's Dapr sidecar in detail, through our generated Dapr client and a hand-made
// AppCallback server: Dapr's state concurrency rules, envelope rules, validation, and the app
// channel's redelivery, dead letters and drops.
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCli, UsageError } from "../../emulator/cli-args.js";
import type { BusEvent } from "../../emulator/index.js";
import { StateOptions_StateConcurrency as Concurrency } from "../../generated/dapr/proto/common/v1/common_pb.js";
import {
  AppCallback,
  TopicEventResponse_TopicEventResponseStatus as Status,
  type TopicEventRequest,
} from "../../generated/dapr/proto/runtime/v1/appcallback_pb.js";
import { DaprClient } from "../../generated/dapr/proto/runtime/v1/dapr_client.js";
import { VirtufinError } from "../../index.js";
import { startTestServer, type TestServer } from "../support/connect-server.js";
import { startFixture, type EmulatorFixture } from "../support/emulator.js";

let fx: EmulatorFixture;
let app: TestServer;
let dapr: DaprClient;
const events: TopicEventRequest[] = [];
const attempts = new Map<string, number>();

/** The app: RETRY forever on "always-retry", UNIMPLEMENTED on "unimplemented", fails once on "fails-once". */
function appRoutes(router: ConnectRouter): void {
  router.service(AppCallback, {
    listTopicSubscriptions: () => ({
      subscriptions: [
        { pubsubName: "pubsub", topic: "ok", routes: { default: "/ok-route", rules: [] } },
        { pubsubName: "pubsub", topic: "always-retry", deadLetterTopic: "retry-dead" },
        { pubsubName: "pubsub", topic: "unimplemented", deadLetterTopic: "unimplemented-dead" },
        { pubsubName: "pubsub", topic: "fails-once" },
        { pubsubName: "other-pubsub", topic: "ignored" },
      ],
    }),
    onTopicEvent(req) {
      const n = (attempts.get(req.id) ?? 0) + 1;
      attempts.set(req.id, n);
      if (req.topic === "always-retry") return { status: Status.RETRY };
      if (req.topic === "unimplemented") throw new ConnectError("no", Code.Unimplemented);
      if (req.topic === "fails-once" && n === 1) throw new ConnectError("transient", Code.Internal);
      events.push(req);
      return { status: Status.SUCCESS };
    },
  });
}

async function until(what: string, test: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => "OK",
    (err: unknown) => VirtufinError.from(err).codeName,
  );

/** Records the bus events of a topic (in process). */
function recorder(topic: string) {
  const got: BusEvent[] = [];
  const sub = fx.emulator.pubsub.subscribe(topic, (event) => void got.push(event));
  return { got, close: () => sub.close() };
}

beforeAll(async () => {
  app = await startTestServer(appRoutes);
  fx = await startFixture({ dapr: { appPort: app.port, appId: "acme", maxDeliveryAttempts: 3, redeliveryBackoffMs: 5 } });
  dapr = new DaprClient({ host: "127.0.0.1", port: fx.emulator.addresses.dapr.port });
  await until("the app's subscriptions", () => fx.emulator.dapr.appTopics().length === 4);
});
afterAll(async () => {
  await dapr?.close();
  await fx?.close();
  await app?.close();
});

describe("state: Dapr's concurrency rules on the emulator's store", () => {
  const save = (key: string, value: string, etag?: string, concurrency?: Concurrency) =>
    dapr.saveState({
      storeName: "statestore",
      states: [
        {
          key,
          value: new TextEncoder().encode(value),
          ...(etag !== undefined ? { etag: { value: etag } } : {}),
          ...(concurrency ? { options: { concurrency } } : {}),
        },
      ],
    });
  const etagOf = async (key: string) => (await dapr.getState({ storeName: "statestore", key })).etag;

  it("reads a missing key as empty data and an empty etag", async () => {
    const missing = await dapr.getState({ storeName: "statestore", key: "never" });
    expect(missing.data.length).toBe(0);
    expect(missing.etag).toBe("");
  });

  it("checks etags unless last-write is asked, and first-write without an etag only creates", async () => {
    await save("k1", "a");
    const e1 = await etagOf("k1");
    await save("k1", "b", e1);
    expect(await codeOf(save("k1", "c", e1))).toBe("ABORTED");
    expect(await codeOf(save("k1", "c", e1, Concurrency.CONCURRENCY_LAST_WRITE))).toBe("OK");
    expect(await codeOf(save("k1", "d", undefined, Concurrency.CONCURRENCY_FIRST_WRITE))).toBe("ABORTED");
    expect(await codeOf(save("brand-new", "d", "some-etag"))).toBe("ABORTED"); // a missing key has no etag
    expect(new TextDecoder().decode((await dapr.getState({ storeName: "statestore", key: "k1" })).data)).toBe("c");
    expect((await fx.api.state.get("acme", "k1")).value).toBe("c");
  });

  it("writes nothing of a multi-item save when one item's etag is stale", async () => {
    await save("m1", "1");
    await save("m2", "1");
    const stale = await etagOf("m2");
    await save("m2", "2");
    const result = dapr.saveState({
      storeName: "statestore",
      states: [
        { key: "m1", value: new TextEncoder().encode("changed") },
        { key: "m2", value: new TextEncoder().encode("changed"), etag: { value: stale } },
      ],
    });
    expect(await codeOf(result)).toBe("ABORTED");
    expect((await fx.api.state.get("acme", "m1")).value).toBe("1");
  });

  it("deletes with an etag only when it is current; deleting a missing key without one succeeds", async () => {
    await save("d1", "x");
    const etag = await etagOf("d1");
    await save("d1", "y");
    expect(await codeOf(dapr.deleteState({ storeName: "statestore", key: "d1", etag: { value: etag } }))).toBe("ABORTED");
    expect(await codeOf(dapr.deleteState({ storeName: "statestore", key: "d1", etag: { value: await etagOf("d1") } }))).toBe(
      "OK",
    );
    expect(await codeOf(dapr.deleteState({ storeName: "statestore", key: "d1" }))).toBe("OK");
    expect(await codeOf(dapr.deleteState({ storeName: "statestore", key: "d1", etag: { value: etag } }))).toBe("ABORTED");
  });

  it("publishes state-change events in the app id's namespace, as State does", async () => {
    const changes = recorder("state-changes");
    await save("watched", "v");
    await dapr.deleteState({ storeName: "statestore", key: "watched" });
    await until("two state changes", () => changes.got.filter((e) => e.metadata["ce-subject"] === "watched").length === 2);
    changes.close();
    const payloads = changes.got
      .filter((e) => e.metadata["ce-subject"] === "watched")
      .map((e) => JSON.parse(new TextDecoder().decode(e.data)) as unknown);
    expect(payloads).toEqual([
      { service: "acme", key: "watched", action: "save" },
      { service: "acme", key: "watched", action: "delete" },
    ]);
  });

  it("refuses unknown stores, empty keys, '||' in keys and values that are not UTF-8", async () => {
    expect(await codeOf(dapr.getState({ storeName: "redis", key: "k" }))).toBe("INVALID_ARGUMENT");
    expect(await codeOf(dapr.getState({ storeName: "", key: "k" }))).toBe("INVALID_ARGUMENT");
    expect(await codeOf(save("", "v"))).toBe("INVALID_ARGUMENT");
    expect(await codeOf(save("a||b", "v"))).toBe("INVALID_ARGUMENT");
    const binary = dapr.saveState({ storeName: "statestore", states: [{ key: "bin", value: new Uint8Array([0xff, 0xfe]) }] });
    expect(await codeOf(binary)).toBe("INVALID_ARGUMENT");
    expect((await fx.api.state.get("acme", "bin")).value ?? "").toBe("");
  });
});

describe("publishing: validation and envelopes", () => {
  it("answers Dapr's codes for a missing component name and bad topics", async () => {
    expect(await codeOf(dapr.publishEvent({ pubsubName: "", topic: "t" }))).toBe("INVALID_ARGUMENT");
    expect(await codeOf(dapr.publishEvent({ pubsubName: "pubsub", topic: "" }))).toBe("INVALID_ARGUMENT");
    expect(await codeOf(dapr.publishEvent({ pubsubName: "pubsub", topic: "has space" }))).toBe("INVALID_ARGUMENT");
    expect(
      await codeOf(
        dapr.bulkPublishEvent({ pubsubName: "pubsub", topic: "t", entries: [{ entryId: "", event: new Uint8Array(1) }] }),
      ),
    ).toBe("INVALID_ARGUMENT");
    expect(await codeOf(dapr.publishEvent({ pubsubName: "pubsub", topic: "t", metadata: { rawPayload: "maybe" } }))).toBe(
      "INVALID_ARGUMENT",
    );
  });

  it("publishes raw payloads without an envelope, and text/plain by default", async () => {
    const rec = recorder("raw-topic");
    await dapr.publishEvent({
      pubsubName: "pubsub",
      topic: "raw-topic",
      data: new Uint8Array([1, 2]),
      metadata: { rawPayload: "true" },
    });
    await dapr.publishEvent({ pubsubName: "pubsub", topic: "raw-topic", data: new TextEncoder().encode("hi") });
    await until("two events", () => rec.got.length === 2);
    rec.close();
    expect(rec.got[0]?.metadata["ce-type"]).toBeUndefined();
    expect(rec.got[0]?.metadata["ce-datacontenttype"]).toBe("application/octet-stream");
    expect(rec.got[1]?.metadata["ce-datacontenttype"]).toBe("text/plain");
    expect(rec.got[1]?.metadata["ce-source"]).toBe("acme");
  });

  it("reports GetMetadata's components, app id and app connection", async () => {
    const metadata = await dapr.getMetadata();
    expect(metadata.id).toBe("acme");
    expect(metadata.registeredComponents.map((c) => c.name).sort()).toEqual(["pubsub", "statestore"]);
    expect(metadata.appConnectionProperties?.port).toBe(app.port);
  });
});

describe("the app channel", () => {
  it("ignores subscriptions to other components and delivers with the route's path and the extensions", async () => {
    expect([...fx.emulator.dapr.appTopics()].sort()).toEqual(["always-retry", "fails-once", "ok", "unimplemented"]);
    await fx.api.pubsub.publish("ok", { n: 1 }, { correlationId: "c-ok", type: "com.example.ok" });
    await until("the delivery", () => events.some((e) => e.topic === "ok"));
    const event = events.find((e) => e.topic === "ok");
    expect(event?.path).toBe("/ok-route");
    expect(event?.pubsubName).toBe("pubsub");
    expect(event?.type).toBe("com.example.ok");
    expect(event?.dataContentType).toBe("application/json");
    expect(event?.extensions?.["correlationid"]).toBe("c-ok");
    expect(JSON.parse(new TextDecoder().decode(event?.data))).toEqual({ n: 1 });
  });

  it("redelivers after a failed call", async () => {
    await fx.api.pubsub.publish("fails-once", "again");
    await until("the second attempt", () => events.some((e) => e.topic === "fails-once"));
    const id = events.find((e) => e.topic === "fails-once")?.id ?? "";
    expect(attempts.get(id)).toBe(2);
  });

  it("dead-letters an event still RETRY after every attempt; drops UNIMPLEMENTED without a dead letter", async () => {
    const dead = recorder("retry-dead");
    const notDead = recorder("unimplemented-dead");
    const sent = await fx.emulator.pubsub.publish("always-retry", new TextEncoder().encode("x"), {});
    await until("the dead letter", () => dead.got.length === 1);
    expect(attempts.get(sent.id)).toBe(3);
    expect(dead.got[0]?.id).toBe(sent.id);
    const dropped = await fx.emulator.pubsub.publish("unimplemented", new TextEncoder().encode("y"), {});
    await until("the attempt", () => attempts.get(dropped.id) === 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(attempts.get(dropped.id)).toBe(1);
    expect(notDead.got).toEqual([]);
    dead.close();
    notDead.close();
  });
});

describe("the command line", () => {
  it("reads the Dapr flags and DAPR_API_TOKEN (a flag wins over the environment)", () => {
    const cmd = parseCli(["--dapr-port", "0", "--app-port", "6001", "--dapr-app-id", "orders"], { DAPR_API_TOKEN: "env-token" });
    expect(cmd).toMatchObject({
      help: false,
      options: { daprPort: 0, dapr: { appPort: 6001, appId: "orders", apiToken: "env-token" } },
    });
    const flag = parseCli(["--dapr-api-token", "flag-token"], { DAPR_API_TOKEN: "env-token" });
    expect(flag).toMatchObject({ options: { dapr: { apiToken: "flag-token" } } });
    for (const bad of [
      ["--app-port", "0"],
      ["--dapr-port", "x"],
      ["--dapr-app-id", "a b"],
      ["--dapr-api-token", " "],
    ]) {
      expect(() => parseCli(bad, {}), bad.join(" ")).toThrow(UsageError);
    }
  });
});
