// DaprPublisher (our generated Dapr client) against the emulator's Dapr sidecar API: events reach
// Virtufin subscribers with Dapr's CloudEvent attributes, bulk publishing, the environment's
// defaults, and bad input refused with typed errors and nothing published.
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, type BusEvent } from "../../emulator/index.js";
import { Code, DaprPublisher, VirtufinError } from "../../index.js";
import { installNetworkJail } from "../security/network-jail.js";
import { startFixture, type EmulatorFixture } from "../support/emulator.js";
import { subscriber } from "./subscriber.js";

const TOKEN = "dapr-secret-token-7f3a";
const jail = installNetworkJail();
let fx: EmulatorFixture;
let open: EmulatorFixture;
/** Every event the emulator's bus carried (an in-process "*" subscriber), to prove what was NOT published. */
const seen: BusEvent[] = [];
/** The token-enforcing emulator's log, at debug level. */
const logLines: string[] = [];

beforeAll(async () => {
  fx = await startFixture({
    dapr: { apiToken: TOKEN, appId: "orders" },
    logger: createLogger({ level: "debug", write: (line) => void logLines.push(line) }),
  });
  fx.emulator.pubsub.subscribe("*", (event) => void seen.push(event));
  open = await startFixture();
});
afterAll(async () => {
  await fx?.close();
  await open?.close();
  jail.uninstall();
  expect(jail.violations).toEqual([]);
});

const daprPort = () => fx.emulator.addresses.dapr.port;

describe("DaprPublisher → emulator sidecar → Virtufin subscribers", () => {
  it("publishes objects as JSON, strings as text and bytes as they are, with Dapr's CloudEvent attributes", async () => {
    const sub = await subscriber(fx.api, "dapr-orders");
    await using publisher = new DaprPublisher({ host: "127.0.0.1", port: daprPort(), apiToken: TOKEN });
    await publisher.publish("dapr-orders", { key: "value" });
    await publisher.publishAsync("dapr-orders", "plain text");
    await publisher.publish("dapr-orders", new Uint8Array([0, 255, 7]), {
      metadata: { "cloudevent.id": "fixed-id", "cloudevent.type": "com.example.bytes" },
    });
    const [json, text, bytes] = await sub.next(3);
    sub.stop();

    expect(json?.dataAsJson()).toEqual({ key: "value" });
    expect(json?.contentType).toBe("application/json");
    expect(json?.type).toBe("com.dapr.event.sent");
    expect(json?.source).toBe("orders"); // the sidecar's app id
    expect(json?.metadata["ce-specversion"]).toBe("1.0");
    expect(json?.metadata["pubsubname"]).toBe("pubsub");
    expect(json?.messageId).toMatch(/^[0-9a-f-]{36}$/);

    expect(text?.dataAsText()).toBe("plain text");
    expect(text?.contentType).toBe("text/plain");

    expect([...(bytes?.data ?? [])]).toEqual([0, 255, 7]);
    expect(bytes?.contentType).toBe("application/octet-stream");
    expect(bytes?.messageId).toBe("fixed-id");
    expect(bytes?.type).toBe("com.example.bytes");
  });

  it("keeps the attributes and extensions of data that is already a CloudEvent (application/cloudevents+json)", async () => {
    const sub = await subscriber(fx.api, "dapr-ce");
    await using publisher = new DaprPublisher({ port: daprPort(), apiToken: TOKEN });
    const envelope = {
      specversion: "1.0",
      id: "ce-1",
      source: "urn:test",
      type: "com.example.order",
      datacontenttype: "application/json",
      correlationid: "corr-9",
      data: { n: 1 },
    };
    await publisher.publish("dapr-ce", envelope, { contentType: "application/cloudevents+json" });
    const [event] = await sub.next(1);
    sub.stop();
    expect(event?.messageId).toBe("ce-1");
    expect(event?.source).toBe("urn:test");
    expect(event?.type).toBe("com.example.order");
    expect(event?.correlationId).toBe("corr-9");
    expect(event?.dataAsJson()).toEqual({ n: 1 });
  });

  it("bulk-publishes every entry in order and reports no failure", async () => {
    const sub = await subscriber(fx.api, "dapr-bulk");
    await using publisher = new DaprPublisher({ port: daprPort(), apiToken: TOKEN });
    const failed = await publisher.bulkPublish("dapr-bulk", [
      { data: { i: 0 } },
      { data: "one" },
      { data: { i: 2 }, entryId: "last", metadata: { "cloudevent.type": "com.example.last" } },
    ]);
    expect(failed).toEqual([]);
    const events = await sub.next(3);
    sub.stop();
    expect(events.map((e) => e.dataAsText())).toEqual(['{"i":0}', "one", '{"i":2}']);
    expect(events[2]?.type).toBe("com.example.last");
  });

  it("takes the port and token from DAPR_GRPC_PORT and DAPR_API_TOKEN", async () => {
    const saved = { port: process.env["DAPR_GRPC_PORT"], token: process.env["DAPR_API_TOKEN"] };
    process.env["DAPR_GRPC_PORT"] = String(daprPort());
    process.env["DAPR_API_TOKEN"] = TOKEN;
    try {
      const sub = await subscriber(fx.api, "dapr-env");
      await using publisher = new DaprPublisher();
      expect(publisher.address).toBe(`http://127.0.0.1:${daprPort()}`);
      await publisher.publish("dapr-env", { from: "env" });
      expect((await sub.next(1))[0]?.dataAsJson()).toEqual({ from: "env" });
      sub.stop();
      process.env["DAPR_GRPC_PORT"] = "not-a-port";
      expect(() => new DaprPublisher()).toThrow(VirtufinError);
    } finally {
      for (const [key, value] of [
        ["DAPR_GRPC_PORT", saved.port],
        ["DAPR_API_TOKEN", saved.token],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it("defaults to Dapr's port 50001 and the pubsub component", () => {
    const saved = process.env["DAPR_GRPC_PORT"];
    delete process.env["DAPR_GRPC_PORT"];
    try {
      const publisher = new DaprPublisher();
      expect(publisher.address).toBe("http://127.0.0.1:50001");
      expect(publisher.pubsubName).toBe("pubsub");
    } finally {
      if (saved !== undefined) process.env["DAPR_GRPC_PORT"] = saved;
    }
  });
});

describe("bad input: typed errors, nothing published", () => {
  const expectCode = async (promise: Promise<unknown>, code: Code, text?: RegExp) => {
    const error = await promise.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(VirtufinError);
    expect((error as VirtufinError).code, String(error)).toBe(code);
    if (text) expect((error as VirtufinError).message).toMatch(text);
    return error as VirtufinError;
  };

  it("refuses an unknown component, an empty topic, oversized data and a wrong or missing token", async () => {
    const before = seen.filter((e) => e.topic.startsWith("bad-")).length;
    await using unknown = new DaprPublisher({ port: daprPort(), apiToken: TOKEN, pubsubName: "kafka" });
    await expectCode(unknown.publish("bad-topic", { a: 1 }), Code.InvalidArgument, /pubsub kafka is not found/);
    await expectCode(unknown.bulkPublish("bad-topic", [{ data: 1 }]), Code.InvalidArgument, /pubsub kafka is not found/);

    await using publisher = new DaprPublisher({ port: daprPort(), apiToken: TOKEN });
    await expectCode(publisher.publish("", { a: 1 }), Code.InvalidArgument);
    await expectCode(publisher.bulkPublish("  ", [{ data: 1 }]), Code.InvalidArgument);
    await expectCode(publisher.publish("bad-big", new Uint8Array(5 * 1024 * 1024)), Code.ResourceExhausted);
    // A second client for the second oversized request: Node's HTTP/2 server keeps an unread
    // refused body in the session's memory, so two of them on one session end it with
    // ENHANCE_YOUR_CALM (true of every emulator server, not only this one).
    await using bulkPublisher = new DaprPublisher({ port: daprPort(), apiToken: TOKEN });
    await expectCode(
      bulkPublisher.bulkPublish("bad-big", [
        { data: new Uint8Array(2.5 * 1024 * 1024) },
        { data: new Uint8Array(2.5 * 1024 * 1024) },
      ]),
      Code.ResourceExhausted,
    );
    // One bad entry (a duplicated id) refuses the whole bulk request: the good entries stay unpublished.
    await expectCode(
      publisher.bulkPublish("bad-bulk", [
        { data: 1, entryId: "a" },
        { data: 2, entryId: "a" },
      ]),
      Code.InvalidArgument,
      /entryId/,
    );
    await expectCode(
      publisher.publish("bad-ce", "not json", { contentType: "application/cloudevents+json" }),
      Code.InvalidArgument,
      /CloudEvent/,
    );

    await using wrong = new DaprPublisher({ port: daprPort(), apiToken: "wrong-token" });
    const error = await expectCode(wrong.publish("bad-auth", { a: 1 }), Code.Unauthenticated);
    expect(error.message).not.toContain("wrong-token");
    expect(error.message).not.toContain(TOKEN);
    await using none = new DaprPublisher({ port: daprPort() });
    await expectCode(none.publish("bad-auth", { a: 1 }), Code.Unauthenticated);

    // Give any stray delivery a moment, then prove nothing reached the bus.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen.filter((e) => e.topic.startsWith("bad-")).length).toBe(before);
  });

  it("shows the token nowhere: not in inspect output, not in the emulator's log", async () => {
    const publisher = new DaprPublisher({ port: daprPort(), apiToken: TOKEN });
    expect(inspect(publisher, { depth: 10, showHidden: true })).not.toContain(TOKEN);
    expect(JSON.stringify(publisher)).not.toContain(TOKEN);
    await publisher.publish("logged-topic", { a: 1 });
    await publisher.close();
    const log = logLines.join("\n");
    expect(log).toContain("wrong dapr-api-token rejected");
    expect(log).toContain("dapr-api-token enforced");
    expect(log).not.toContain(TOKEN);
    expect(log).not.toContain("wrong-token");
  });

  it("needs no token when the sidecar has none configured", async () => {
    const sub = await subscriber(open.api, "open-topic");
    await using publisher = new DaprPublisher({ port: open.emulator.addresses.dapr.port });
    await publisher.publish("open-topic", { ok: true });
    expect((await sub.next(1))[0]?.dataAsJson()).toEqual({ ok: true });
    sub.stop();
  });
});
