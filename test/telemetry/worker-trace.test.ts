// One trace from publishWithResult through the Pubsub server, the WorkManager and a real Python
// or JavaScript worker, back through the reply's publish to the client: asserted parent by parent.
import { SpanKind } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/index.js";
import { WorkManagerClient } from "../../generated/virtufin/workmanager_client.js";
import { ApiClient } from "../../platform/api-client.js";
import { type PubsubEvent } from "../../platform/pubsub/event.js";
import { chain, createOtel, spanText, tree, type Otel } from "./otel.js";
import {
  serveTimeWorker,
  TimeWorkerPubsubBinding,
  TimeWorkerPubsubProxy,
} from "../../examples/custom-service/gen/acme/pricing/v1/pricing_client.js";

const KEY = "otel-secret-key-4f9a1c";
let otel: Otel;
let emulator: Emulator;
let api: ApiClient;
let wm: WorkManagerClient;

beforeAll(async () => {
  otel = createOtel();
  emulator = await startEmulator({ ports: 0, logLevel: "warn", apiKeys: { ci: KEY }, tracerProvider: otel.tracerProvider });
  const { tracerProvider, meterProvider } = otel;
  api = new ApiClient({
    host: "127.0.0.1",
    port: emulator.addresses.gateway.port,
    apiKey: KEY,
    telemetry: { tracerProvider, meterProvider },
  });
  // Set-up calls go without telemetry: only the request-replies are under test.
  wm = new WorkManagerClient({ host: "127.0.0.1", port: emulator.addresses.workmanager.port, apiKey: KEY });
}, 30_000);

afterAll(async () => {
  await wm?.close();
  await api?.close();
  await emulator?.stop();
  await otel?.close();
});

/** The chain every request-reply must show, below the client's request span. */
const steps = (topic: string, language: string): [string, SpanKind][] => [
  [`publish ${topic}`, SpanKind.PRODUCER],
  ["virtufin.Pubsub/PublishEvent", SpanKind.CLIENT],
  ["virtufin.Pubsub/PublishEvent", SpanKind.SERVER],
  [`send ${topic}`, SpanKind.PRODUCER],
  [`process ${topic}`, SpanKind.CONSUMER],
  [`worker ${language}`, SpanKind.INTERNAL],
  [`publish ${topic}-replies`, SpanKind.PRODUCER],
  [`receive ${topic}-replies`, SpanKind.CONSUMER],
];

async function requestReply(topic: string, mimeType: string, code: string, language: string): Promise<void> {
  const id = await wm.createWorker({ codeSource: { content: new TextEncoder().encode(code) }, mimeType, topic });
  await wm.startWorker(id);
  try {
    const reply = await api.pubsub.publishWithResult({
      topic,
      data: { n: 1 },
      replyTopic: `${topic}-replies`,
      timeoutMs: 20_000,
    });
    const root = await otel.waitFor((spans) => spans.find((s) => s.name === `request ${topic}` && s.kind === SpanKind.CLIENT));
    const found = await otel
      .waitFor((spans) => chain(spans, root, steps(topic, language)))
      .catch((error: Error) => {
        throw new Error(`${error.message}\ntrace:\n${tree(otel.spans(), root.spanContext().traceId)}`);
      });
    // One trace, from the client's span to the consumption of the reply.
    expect(new Set(found.map((s) => s.spanContext().traceId)).size).toBe(1);
    // The worker's code read its own span's context from the event.
    const worker = found[6]!;
    const { traceId, spanId } = worker.spanContext();
    expect(reply.dataAsJson<{ traceparent: string }>().traceparent).toBe(`00-${traceId}-${spanId}-01`);
    expect(found[5]!.attributes["virtufin.worker.id"]).toBe(id);
    // The reply event carries the reply publish span's context (distributed-tracing extension).
    expect(reply.metadata["traceparent"]).toBe(`00-${traceId}-${found[7]!.spanContext().spanId}-01`);
  } finally {
    await wm.deleteWorker(id);
  }
}

describe("publishWithResult is one trace through a worker", () => {
  it("answered by a Python worker", async () => {
    const code =
      'def Process(event):\n    return {"type": "py.reply", "source": "py", "data": {"traceparent": event.get("traceparent")}}\n';
    await requestReply("otel-py", "text/x-python", code, "Python");
  }, 40_000);

  it("answered by a JavaScript worker", async () => {
    const code =
      'function Process(event) {\n  return { type: "js.reply", source: "js", data: { traceparent: event.traceparent } };\n}\n';
    await requestReply("otel-js", "text/javascript", code, "JavaScript");
  }, 40_000);

  it("a generated pub/sub proxy answered by its generated TypeScript responder is one span from publish to reply, in one trace", async () => {
    const responder = serveTimeWorker(api, {
      getTime: (request) => ({ iso: "1970-01-01T00:00:00Z", zone: request.zone }),
      elapsed: () => ({ seconds: 0n }),
    });
    await responder.startup();
    try {
      const client = new TimeWorkerPubsubProxy(api);
      const reply = await client.getTime({ zone: "UTC" }, { timeoutMs: 10_000 });
      expect(reply.zone).toBe("UTC");
      const topic = TimeWorkerPubsubBinding.methods["GetTime"]!.topic;
      const replyTopic = TimeWorkerPubsubBinding.methods["GetTime"]!.replyTopic;
      const root = await otel.waitFor((spans) => spans.find((s) => s.name === `request ${topic}` && s.kind === SpanKind.CLIENT));
      const publish: [string, SpanKind][] = [
        ["virtufin.Pubsub/PublishEvent", SpanKind.CLIENT],
        ["virtufin.Pubsub/PublishEvent", SpanKind.SERVER],
      ];
      await otel.waitFor((spans) =>
        chain(spans, root, [
          [`publish ${topic}`, SpanKind.PRODUCER],
          ...publish,
          [`send ${topic}`, SpanKind.PRODUCER],
          [`process ${topic}`, SpanKind.CONSUMER],
          [`publish ${replyTopic}`, SpanKind.PRODUCER],
          ...publish,
          [`send ${replyTopic}`, SpanKind.PRODUCER],
          [`receive ${replyTopic}`, SpanKind.CONSUMER],
        ]),
      );
    } finally {
      await responder.shutdown();
    }
  });

  it("subscribe and handlers start consumer spans, children of the delivery and linked to it", async () => {
    const controller = new AbortController();
    const iterated = (async () => {
      for await (const event of api.pubsub.subscribe("otel-events", { signal: controller.signal })) return event;
      return undefined;
    })();
    let handled: PubsubEvent | undefined;
    const handler = api.pubsub.subscribeWithHandler("otel-events", (event) => void (handled = event));
    try {
      // Publish until both subscriptions are in place and got an event.
      const until = Date.now() + 10_000;
      while (!handled && Date.now() < until) {
        await api.pubsub.publish("otel-events", { hello: "world" });
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const received = await iterated;
      for (const [operation, event] of [
        ["process", handled],
        ["receive", received],
      ] as const) {
        const consumer = await otel.waitFor((spans) =>
          spans.find(
            (s) =>
              s.name === `${operation} otel-events` &&
              s.kind === SpanKind.CONSUMER &&
              s.attributes["messaging.message.id"] === event!.messageId,
          ),
        );
        const send = otel
          .spans()
          .find((s) => s.name === "send otel-events" && s.spanContext().spanId === consumer.parentSpanContext?.spanId);
        expect(send, operation).toBeDefined();
        expect(consumer.links.map((l) => l.context.spanId)).toEqual([send!.spanContext().spanId]);
        expect(event!.metadata["traceparent"]).toBe(`00-${send!.spanContext().traceId}-${send!.spanContext().spanId}-01`);
      }
    } finally {
      controller.abort();
      await handler.close();
    }
  });

  it("liveness probes of reply subscriptions leave no spans: every client publish is under a producer span", () => {
    const publishes = otel.spans().filter((s) => s.name === "virtufin.Pubsub/PublishEvent" && s.kind === SpanKind.CLIENT);
    expect(publishes.length).toBeGreaterThan(3);
    for (const span of publishes) {
      const parent = otel.spans().find((p) => p.spanContext().spanId === span.parentSpanContext?.spanId);
      expect(parent?.name).toMatch(/^publish /);
    }
  });

  it("no span carries the api key, in any attribute, event, link or status", () => {
    expect(otel.spans().length).toBeGreaterThan(10);
    for (const span of otel.spans()) expect(spanText(span)).not.toContain(KEY);
  });
});
