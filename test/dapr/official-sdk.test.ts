// Interop with a client nobody here wrote: the official Dapr JavaScript SDK (@dapr/dapr, gRPC)
// against the emulator's Dapr sidecar API. Its DaprClient publishes to Virtufin subscribers and a
// WorkManager worker, and keeps state with etags interleaved with our api.state; its DaprServer,
// subscribed through the emulator (app port), receives what DaprPublisher and api.pubsub
// publish, with RETRY and DROP honoured. The SDK may try other hosts or telemetry: the in-process
// network jail records every connect, and must record none off loopback.
import {
  CommunicationProtocolEnum,
  DaprClient,
  DaprPubSubStatusEnum,
  DaprServer,
  LogLevel,
  StateConcurrencyEnum,
  StateConsistencyEnum,
} from "@dapr/dapr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, DaprPublisher, EtagMismatchError, WorkManagerClient } from "../../index.js";
import { DaprClient as GeneratedDaprClient } from "../../generated/dapr/proto/runtime/v1/dapr_client.js";
import { installNetworkJail } from "../security/network-jail.js";
import { startFixture, type EmulatorFixture } from "../support/emulator.js";
import { freePort } from "../support/free-ports.js";
import { subscriber } from "./subscriber.js";

const TOKEN = "sdk-interop-token";
const APP_ID = "sdk-app";
const jail = installNetworkJail();
let fx: EmulatorFixture;
let sdk: DaprClient;
let server: DaprServer;
/** What the SDK's DaprServer handlers received, by topic. */
const received = new Map<string, { data: unknown; headers: Record<string, string> }[]>();
let flaky = 0;

async function until(what: string, test: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const record =
  (topic: string, status: DaprPubSubStatusEnum = DaprPubSubStatusEnum.SUCCESS) =>
  async (data: unknown, headers: object) => {
    const list = received.get(topic) ?? [];
    list.push({ data, headers: headers as Record<string, string> });
    received.set(topic, list);
    return status;
  };

beforeAll(async () => {
  const appPort = await freePort();
  // The emulator starts first and keeps asking the app for its subscriptions until it answers.
  fx = await startFixture({ dapr: { apiToken: TOKEN, appId: APP_ID, appPort, redeliveryBackoffMs: 10, maxDeliveryAttempts: 3 } });
  const daprPort = String(fx.emulator.addresses.dapr.port);
  const clientOptions = {
    daprHost: "127.0.0.1",
    daprPort,
    communicationProtocol: CommunicationProtocolEnum.GRPC,
    daprApiToken: TOKEN,
    logger: { level: LogLevel.Error },
  };
  sdk = new DaprClient(clientOptions);
  await sdk.start();
  server = new DaprServer({
    serverHost: "127.0.0.1",
    serverPort: String(appPort),
    communicationProtocol: CommunicationProtocolEnum.GRPC,
    clientOptions,
    logger: { level: LogLevel.Error },
  });
  await server.pubsub.subscribe("pubsub", "app-orders", record("app-orders"));
  await server.pubsub.subscribe("pubsub", "app-flaky", async (data: unknown, headers: object) => {
    flaky += 1;
    // RETRY twice, then accept: the emulator must deliver the same event three times.
    return flaky < 3 ? DaprPubSubStatusEnum.RETRY : record("app-flaky")(data, headers);
  });
  await server.pubsub.subscribeWithOptions("pubsub", "app-drop", {
    callback: record("app-drop", DaprPubSubStatusEnum.DROP),
    deadLetterTopic: "app-drop-dead",
  });
  await server.start();
  await until("the app's subscriptions", () => fx.emulator.dapr.appTopics().length === 3);
}, 60_000);

afterAll(async () => {
  // The emulator first: it holds a connection to the app, which the app's stop waits for.
  await fx?.close();
  await server?.stop();
  await sdk?.stop();
  jail.uninstall();
  expect(jail.violations).toEqual([]);
});

describe("the official SDK's DaprClient publishes", () => {
  it("to an ApiClient subscriber, CloudEvent attributes intact", async () => {
    const sub = await subscriber(fx.api, "sdk-orders");
    await sdk.pubsub.publish("pubsub", "sdk-orders", { order: 1 });
    await sdk.pubsub.publish("pubsub", "sdk-orders", "text order", {
      metadata: { "cloudevent.id": "sdk-2", "cloudevent.type": "com.example.order" },
    });
    const [json, text] = await sub.next(2);
    sub.stop();
    expect(json?.dataAsJson()).toEqual({ order: 1 });
    expect(json?.contentType).toBe("application/json");
    expect(json?.type).toBe("com.dapr.event.sent");
    expect(json?.source).toBe(APP_ID);
    expect(json?.metadata["ce-specversion"]).toBe("1.0");
    expect(json?.metadata["pubsubname"]).toBe("pubsub");
    expect(text?.dataAsText()).toBe("text order");
    expect(text?.contentType).toBe("text/plain");
    expect(text?.messageId).toBe("sdk-2");
    expect(text?.type).toBe("com.example.order");
  });

  it("to a WorkManager worker, which sees the same attributes", async () => {
    await using wm = new WorkManagerClient({ host: "127.0.0.1", port: fx.emulator.addresses.workmanager.port });
    const code = `function Process(event) {
      return { type: "sdk-worker-out", source: "sdk-worker",
               data: { id: event.id, type: event.type, source: event.source, specversion: event.specversion,
                       datacontenttype: event.datacontenttype, pubsubname: event.pubsubname, data: event.data } };
    }`;
    const id = await wm.createWorker({
      codeSource: { content: new TextEncoder().encode(code) },
      mimeType: "text/javascript",
      topic: "sdk-work",
    });
    try {
      await wm.startWorker(id);
      const out = await subscriber(fx.api, "sdk-worker-out");
      await sdk.pubsub.publish("pubsub", "sdk-work", { job: 7 }, { metadata: { "cloudevent.id": "job-7" } });
      const [reply] = await out.next(1);
      out.stop();
      expect(reply?.dataAsJson()).toEqual({
        id: "job-7",
        type: "com.dapr.event.sent",
        source: APP_ID,
        specversion: "1.0",
        datacontenttype: "application/json",
        pubsubname: "pubsub",
        data: { job: 7 },
      });
    } finally {
      await wm.deleteWorker(id);
    }
  });

  it("refuses an unknown component with Dapr's code and message, publishing nothing", async () => {
    const seen: string[] = [];
    const probe = fx.emulator.pubsub.subscribe("sdk-bad", (event) => void seen.push(event.id));
    const unknown = await sdk.pubsub.publish("kafka", "sdk-bad", { a: 1 }).then(
      () => undefined,
      (e: { error: { code: number; message: string } }) => e.error,
    );
    probe.close();
    expect(unknown?.code).toBe(Code.InvalidArgument);
    expect(unknown?.message).toContain("pubsub kafka is not found");
    expect(seen).toEqual([]);
  });
});

describe("state with etags, interleaved with api.state", () => {
  it("shares values and etags; a stale etag is a conflict on both sides", async () => {
    await sdk.state.save("statestore", [{ key: "acct", value: { balance: 100 } }]);
    const mine = await fx.api.state.get(APP_ID, "acct");
    expect(JSON.parse(mine.value ?? "null")).toEqual({ balance: 100 });

    // The SDK writes with the etag our client read: accepted.
    await sdk.state.save("statestore", [{ key: "acct", value: { balance: 90 }, etag: mine.etag }]);
    // Our write with the now-stale etag: EtagMismatchError.
    await expect(fx.api.state.save(APP_ID, "acct", '{"balance":80}', { etag: mine.etag })).rejects.toBeInstanceOf(
      EtagMismatchError,
    );
    expect(await sdk.state.get("statestore", "acct")).toEqual({ balance: 90 });

    // The SDK reads the etag itself (GetBulkState); our write moves it on; the SDK's is stale.
    const [item] = (await sdk.state.getBulk("statestore", ["acct"])) as { etag?: string }[];
    expect(item?.etag).toBe((await fx.api.state.get(APP_ID, "acct")).etag);
    await fx.api.state.save(APP_ID, "acct", '{"balance":70}', { etag: item?.etag });
    const stale = await sdk.state.save("statestore", [{ key: "acct", value: { balance: 60 }, etag: item?.etag }]).then(
      () => undefined,
      (e: { code?: number }) => e,
    );
    expect(stale?.code).toBe(Code.Aborted);
    const staleDelete = await sdk.state.delete("statestore", "acct", { etag: item?.etag }).then(
      () => undefined,
      (e: { code?: number }) => e,
    );
    expect(staleDelete?.code).toBe(Code.Aborted);
    expect(await sdk.state.get("statestore", "acct")).toEqual({ balance: 70 });

    // First-write without an etag only creates.
    const firstWrite = {
      concurrency: StateConcurrencyEnum.CONCURRENCY_FIRST_WRITE,
      consistency: StateConsistencyEnum.CONSISTENCY_UNSPECIFIED,
    };
    const exists = await sdk.state.save("statestore", [{ key: "acct", value: 1, options: firstWrite }]).then(
      () => undefined,
      (e: { code?: number }) => e,
    );
    expect(exists?.code).toBe(Code.Aborted);
    await sdk.state.save("statestore", [{ key: "fresh", value: "new", options: firstWrite }]);
    expect((await fx.api.state.get(APP_ID, "fresh")).value).toBe("new");

    // Delete with the current etag, read through our client: gone for both.
    await sdk.state.delete("statestore", "acct", { etag: (await fx.api.state.get(APP_ID, "acct")).etag });
    expect((await fx.api.state.get(APP_ID, "acct")).value ?? "").toBe("");
    expect(await sdk.state.get("statestore", "acct")).toBe("");
  });

  it("refuses an unknown store and keys with '||' with INVALID_ARGUMENT", async () => {
    for (const attempt of [sdk.state.save("redis", [{ key: "k", value: 1 }]), sdk.state.get("statestore", "a||b")]) {
      const error = await attempt.then(
        () => undefined,
        (e: { code?: number }) => e,
      );
      expect(error?.code).toBe(Code.InvalidArgument);
    }
  });
});

describe("the official SDK's DaprServer, subscribed through the emulator", () => {
  it("receives events published by DaprPublisher and by api.pubsub.publish", async () => {
    await using publisher = new DaprPublisher({ port: fx.emulator.addresses.dapr.port, apiToken: TOKEN });
    await publisher.publish("app-orders", { via: "dapr-publisher" });
    await fx.api.pubsub.publish("app-orders", { via: "api" }, { correlationId: "corr-app" });
    await until("two deliveries", () => (received.get("app-orders")?.length ?? 0) >= 2);
    expect(received.get("app-orders")?.map((r) => r.data)).toEqual([{ via: "dapr-publisher" }, { via: "api" }]);
  });

  it("gets an event again after answering RETRY, and a dropped one goes to the dead-letter topic", async () => {
    await fx.api.pubsub.publish("app-flaky", { attempt: "until accepted" });
    await until("the accepted delivery", () => (received.get("app-flaky")?.length ?? 0) === 1);
    expect(flaky).toBe(3);

    const dead = await subscriber(fx.api, "app-drop-dead");
    await fx.api.pubsub.publish("app-drop", { doomed: true }, { correlationId: "corr-drop" });
    const [letter] = await dead.next(1);
    dead.stop();
    expect(letter?.dataAsJson()).toEqual({ doomed: true });
    expect(letter?.correlationId).toBe("corr-drop");
    expect(received.get("app-drop")?.length).toBe(1);
  });

  it("is listed in the sidecar's metadata, as the SDK and our generated client read it", async () => {
    const metadata = await sdk.metadata.get();
    expect(metadata.id).toBe(APP_ID);
    expect(metadata.components.map((c) => c.name).sort()).toEqual(["pubsub", "statestore"]);
    await using ours = new GeneratedDaprClient({
      host: "127.0.0.1",
      port: fx.emulator.addresses.dapr.port,
      headers: { "dapr-api-token": TOKEN },
    });
    const full = await ours.getMetadata();
    expect(full.subscriptions.map((s) => s.topic).sort()).toEqual(["app-drop", "app-flaky", "app-orders"]);
    expect(full.appConnectionProperties?.protocol).toBe("grpc");
  });
});
