/**
 * The WorkManager and WebSocketManager inside the whole emulator (startEmulator): a worker
 * answers a request published through the Pubsub gRPC service, and WebSocket frames reach a
 * Pubsub.Subscribe stream — every hop over real sockets.
 */
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/index.js";
import { Gateway } from "../../generated/virtufin/gateway_pb.js";
import { Pubsub } from "../../generated/virtufin/pubsub_pb.js";
import { WebSocketManager } from "../../generated/virtufin/websocketmanager_pb.js";
import { WorkManager } from "../../generated/virtufin/workmanager_pb.js";
import { fixture, requirePython, sleep } from "./harness.js";
import { WsPeer } from "./ws-peer.js";

const client = <S extends Parameters<typeof createClient>[0]>(desc: S, url: string) =>
  createClient(desc, createGrpcTransport({ baseUrl: url }));

describe("inside startEmulator", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    requirePython();
    emulator = await startEmulator({ ports: 0, logLevel: "error" });
  });
  afterAll(async () => emulator?.stop());

  /** Opens a Pubsub.Subscribe stream on `topic` and returns its first message. */
  async function firstMessage(topic: string, trigger: () => Promise<void>) {
    const pubsub = client(Pubsub, emulator.addresses.gateway.url);
    const abort = new AbortController();
    const before = emulator.activeSubscriptions();
    const stream = pubsub.subscribe({ topic }, { signal: abort.signal, timeoutMs: 15_000 });
    const iterator = stream[Symbol.asyncIterator]();
    const next = iterator.next();
    for (let i = 0; i < 200 && emulator.activeSubscriptions() <= before; i++) await sleep(10);
    expect(emulator.activeSubscriptions()).toBeGreaterThan(before);
    await trigger();
    const result = await next;
    abort.abort();
    if (result.done) throw new Error(`the subscription to ${topic} ended without a message`);
    return result.value;
  }

  it("runs the seed's Python worker for a request published through Pubsub.PublishEvent", async () => {
    const wm = client(WorkManager, emulator.addresses.workmanager.url);
    const { id } = await wm.createWorker({
      codeSource: { source: { case: "content", value: fixture("seed-time-worker.py") } },
      mimeType: "text/x-python",
      topic: "time-worker-topic",
    });
    await wm.startWorker({ id });
    const replyTopic = `e2e-replies-${randomUUID()}`;
    const correlationId = randomUUID();
    const pubsub = client(Pubsub, emulator.addresses.gateway.url);
    const reply = await firstMessage(replyTopic, async () => {
      await pubsub.publishEvent({
        topic: "time-worker-topic",
        data: new TextEncoder().encode(JSON.stringify({ ask: "time" })),
        metadata: {
          "ce-type": "com.example.time-request",
          "ce-source": "urn:e2e",
          "ce-datacontenttype": "application/json",
          replytopic: replyTopic,
          correlationid: correlationId,
        },
      });
    });
    expect(reply.metadata["correlationid"]).toBe(correlationId);
    expect(reply.metadata["ce-type"]).toBe("com.example.time-response");
    const data = JSON.parse(new TextDecoder().decode(reply.data)) as { received_event_id: string };
    // The worker saw the event id the Pubsub service generated.
    expect(data.received_event_id).toMatch(/^[0-9a-f-]{36}$/);
    await wm.deleteWorker({ id });
  });

  it("serves the seed's gateway pattern: CreateWorker, StartWorker, ListWorkers through Gateway.InvokeJson", async () => {
    const gateway = client(Gateway, emulator.addresses.gateway.url);
    const content = Buffer.from("def Process(event):\n    return None\n").toString("base64");
    const created = await gateway.invokeJson({
      service: "workmanager",
      method: "CreateWorker",
      requestData: JSON.stringify({ code_source: { content }, mime_type: "text/x-python", topic: "worker-commands" }),
    });
    expect([created.success, created.status]).toEqual([true, "OK"]);
    const { id } = JSON.parse(created.responseData) as { id: string };
    const started = await gateway.invokeJson({
      service: "workmanager",
      method: "StartWorker",
      requestData: JSON.stringify({ id }),
    });
    expect(started.success).toBe(true);
    const listed = await gateway.invokeJson({ service: "workmanager", method: "ListWorkers", requestData: "" });
    const workers = (JSON.parse(listed.responseData) as { workers: { id: string; status: string; language: string }[] }).workers;
    expect(workers.find((w) => w.id === id)).toMatchObject({ status: "WORKER_STATUS_RUNNING", language: "Python" });
    // A WorkManager error arrives in-band with its code.
    const missing = await gateway.invokeJson({
      service: "workmanager",
      method: "StartWorker",
      requestData: JSON.stringify({ id: "nope" }),
    });
    expect([missing.success, missing.status]).toEqual([false, "NOT_FOUND"]);
    const bad = await gateway.invokeJson({
      service: "workmanager",
      method: "CreateWorker",
      requestData: JSON.stringify({ code_source: { content }, mime_type: "", topic: "t" }),
    });
    expect([bad.success, bad.status]).toEqual([false, "INVALID_ARGUMENT"]);
    await gateway.invokeJson({ service: "workmanager", method: "DeleteWorker", requestData: JSON.stringify({ id }) });
  });

  it("publishes WebSocket frames to a topic that a Pubsub.Subscribe stream receives", async () => {
    const peer = await WsPeer.start();
    try {
      const wsm = client(WebSocketManager, emulator.addresses.websocketmanager.url);
      const { id } = await wsm.connect({ url: peer.url });
      await wsm.startPublish({ id, topic: "e2e-frames" });
      await WsPeer.until(() => peer.sockets.size === 1, 5_000, "the connection");
      const frame = await firstMessage("e2e-frames", async () => peer.broadcast("tick", false));
      expect(new TextDecoder().decode(frame.data)).toBe("tick");
      expect(frame.metadata["websocketId"]).toBe(id);
      await wsm.disconnect({ id });
    } finally {
      await peer.stop();
    }
  });
});
