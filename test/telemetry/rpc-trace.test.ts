// RPC spans and metrics: a typed gateway proxy call through the Gateway to the WorkManager, a
// retried call with its attempts, a failing call with its gRPC code, names as the semantic
// conventions spell them, metrics read back, and nothing reported when telemetry is off.
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { Code, ConnectError } from "@connectrpc/connect";
import * as semconv from "@opentelemetry/semantic-conventions";
import * as incubating from "@opentelemetry/semantic-conventions/incubating";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/index.js";
import { startGrpcServer, type RunningServer } from "../../emulator/server/index.js";
import { GatewayClient } from "../../generated/virtufin/gateway_client.js";
import { Gateway } from "../../generated/virtufin/gateway_pb.js";
import { WorkManagerClient, WorkManagerGatewayProxy } from "../../generated/virtufin/workmanager_client.js";
import { ApiClient } from "../../platform/api-client.js";
import * as names from "../../runtime/telemetry/attributes.js";
import { loadTelemetry } from "../../runtime/telemetry/index.js";
import { chain, createOtel, spanText, type Otel } from "./otel.js";

const KEY = "rpc-otel-key-77e0b2";
let otel: Otel;
let emulator: Emulator;
let api: ApiClient;
let flaky: RunningServer;
let failuresLeft = 0;

beforeAll(async () => {
  otel = createOtel();
  emulator = await startEmulator({ ports: 0, logLevel: "warn", apiKeys: { ci: KEY }, tracerProvider: otel.tracerProvider });
  api = new ApiClient({
    host: "127.0.0.1",
    port: emulator.addresses.gateway.port,
    apiKey: KEY,
    telemetry: { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider },
  });
  // A Gateway whose ListServices (NO_SIDE_EFFECTS, so retried) is UNAVAILABLE a set number of times.
  const telemetry = await loadTelemetry({ tracerProvider: otel.tracerProvider });
  flaky = await startGrpcServer({
    port: 0,
    telemetry,
    services: [
      {
        desc: Gateway,
        impl: {
          listServices() {
            if (failuresLeft-- > 0) throw new ConnectError("try again", Code.Unavailable);
            return { services: ["flaky"] };
          },
        },
      },
    ],
  });
}, 30_000);

afterAll(async () => {
  await api?.close();
  await flaky?.close();
  await emulator?.stop();
  await otel?.close();
});

const rpcSpan = (name: string, kind: SpanKind) => (spans: ReturnType<Otel["spans"]>) =>
  spans.find((s) => s.name === name && s.kind === kind);

describe("RPC spans", () => {
  it("a typed proxy call is one trace: client → Gateway → its hop → WorkManager", async () => {
    await new WorkManagerGatewayProxy(api).listWorkers();
    const root = await otel.waitFor((spans) =>
      spans.find(
        (s) =>
          s.name === "virtufin.Gateway/InvokeJson" &&
          s.kind === SpanKind.CLIENT &&
          s.attributes["virtufin.gateway.method"] === "ListWorkers",
      ),
    );
    const found = await otel.waitFor((spans) =>
      chain(spans, root, [
        ["virtufin.Gateway/InvokeJson", SpanKind.SERVER],
        ["virtufin.WorkManager/ListWorkers", SpanKind.CLIENT],
        ["virtufin.WorkManager/ListWorkers", SpanKind.SERVER],
      ]),
    );
    expect(root.attributes).toMatchObject({
      [incubating.ATTR_RPC_SYSTEM]: incubating.RPC_SYSTEM_VALUE_GRPC,
      [incubating.ATTR_RPC_SERVICE]: "virtufin.Gateway",
      [incubating.ATTR_RPC_METHOD]: "InvokeJson",
      [incubating.ATTR_RPC_GRPC_STATUS_CODE]: 0,
      [semconv.ATTR_SERVER_ADDRESS]: "127.0.0.1",
      [semconv.ATTR_SERVER_PORT]: emulator.addresses.gateway.port,
      "virtufin.gateway.service": "workmanager",
    });
    expect(found[2]!.attributes[semconv.ATTR_SERVER_PORT]).toBe(emulator.addresses.workmanager.port);
    expect(found[3]!.attributes[incubating.ATTR_RPC_SERVICE]).toBe("virtufin.WorkManager");
  });

  it("a retried call is one span with an event per retry; the server saw each attempt in the same trace", async () => {
    failuresLeft = 2;
    await using client = new GatewayClient({
      host: "127.0.0.1",
      port: flaky.port,
      telemetry: { tracerProvider: otel.tracerProvider },
      retry: { initialBackoffMs: 5 },
    });
    expect(await client.listServices()).toEqual(["flaky"]);
    const span = await otel.waitFor(rpcSpan("virtufin.Gateway/ListServices", SpanKind.CLIENT));
    expect(span.events.filter((e) => e.name === "retry").map((e) => e.attributes?.["virtufin.retry.attempt"])).toEqual([2, 3]);
    expect(span.events[0]!.attributes?.[semconv.ATTR_ERROR_TYPE]).toBe("UNAVAILABLE");
    expect(span.attributes[incubating.ATTR_RPC_GRPC_STATUS_CODE]).toBe(0);
    const attempts = await otel.waitFor((spans) => {
      const found = spans.filter((s) => s.kind === SpanKind.SERVER && s.parentSpanContext?.spanId === span.spanContext().spanId);
      return found.length === 3 ? found : undefined;
    });
    expect(attempts.map((s) => s.attributes[incubating.ATTR_RPC_GRPC_STATUS_CODE])).toEqual([
      Code.Unavailable,
      Code.Unavailable,
      0,
    ]);
  });

  it("a failing call carries its gRPC code on the client and the server span", async () => {
    await using wm = new WorkManagerClient({
      host: "127.0.0.1",
      port: emulator.addresses.workmanager.port,
      apiKey: KEY,
      telemetry: { tracerProvider: otel.tracerProvider },
    });
    await expect(wm.deleteWorker("no-such-worker")).rejects.toMatchObject({ code: Code.NotFound });
    const client = await otel.waitFor(rpcSpan("virtufin.WorkManager/DeleteWorker", SpanKind.CLIENT));
    expect(client.status.code).toBe(SpanStatusCode.ERROR);
    expect(client.attributes[incubating.ATTR_RPC_GRPC_STATUS_CODE]).toBe(Code.NotFound);
    expect(client.attributes[semconv.ATTR_ERROR_TYPE]).toBe("NOT_FOUND");
    const [, server] = await otel.waitFor((spans) =>
      chain(spans, client, [["virtufin.WorkManager/DeleteWorker", SpanKind.SERVER]]),
    );
    expect(server!.attributes[incubating.ATTR_RPC_GRPC_STATUS_CODE]).toBe(Code.NotFound);
  });

  it("spells attribute and metric names as the semantic conventions package does", () => {
    expect(names.ATTR_RPC_SYSTEM).toBe(incubating.ATTR_RPC_SYSTEM);
    expect(names.ATTR_RPC_SERVICE).toBe(incubating.ATTR_RPC_SERVICE);
    expect(names.ATTR_RPC_METHOD).toBe(incubating.ATTR_RPC_METHOD);
    expect(names.ATTR_RPC_GRPC_STATUS_CODE).toBe(incubating.ATTR_RPC_GRPC_STATUS_CODE);
    expect(names.RPC_SYSTEM_GRPC).toBe(incubating.RPC_SYSTEM_VALUE_GRPC);
    expect(names.ATTR_SERVER_ADDRESS).toBe(semconv.ATTR_SERVER_ADDRESS);
    expect(names.ATTR_SERVER_PORT).toBe(semconv.ATTR_SERVER_PORT);
    expect(names.ATTR_ERROR_TYPE).toBe(semconv.ATTR_ERROR_TYPE);
    expect(names.ATTR_MESSAGING_SYSTEM).toBe(incubating.ATTR_MESSAGING_SYSTEM);
    expect(names.ATTR_MESSAGING_DESTINATION_NAME).toBe(incubating.ATTR_MESSAGING_DESTINATION_NAME);
    expect(names.ATTR_MESSAGING_OPERATION_TYPE).toBe(incubating.ATTR_MESSAGING_OPERATION_TYPE);
    expect(names.ATTR_MESSAGING_MESSAGE_ID).toBe(incubating.ATTR_MESSAGING_MESSAGE_ID);
    expect(names.ATTR_MESSAGING_MESSAGE_CONVERSATION_ID).toBe(incubating.ATTR_MESSAGING_MESSAGE_CONVERSATION_ID);
    expect(names.METRIC_RPC_CLIENT_DURATION).toBe(incubating.METRIC_RPC_CLIENT_DURATION);
    // Every dotted attribute the SDK reports that the conventions define is one of theirs.
    const known = new Set(
      Object.entries({ ...semconv, ...incubating })
        .filter(([k]) => k.startsWith("ATTR_"))
        .map(([, v]) => v as string),
    );
    const reported = new Set(otel.spans().flatMap((s) => Object.keys(s.attributes)));
    for (const name of reported) if (!name.startsWith("virtufin.")) expect(known.has(name), name).toBe(true);
  });
});

describe("metrics", () => {
  it("reads back call durations per method and outcome, streams in flight and request-reply timeouts", async () => {
    await api.listServices();
    await expect(api.invoke("nosuchservice", "Nothing")).rejects.toMatchObject({ code: Code.NotFound });
    const stream = await api.pubsub.subscribeReady("metrics-topic");
    const iterator = stream[Symbol.asyncIterator]();
    let metrics = await otel.metrics();
    const streams = metrics.get(names.METRIC_ACTIVE_STREAMS)!;
    expect(streams.dataPoints.reduce((sum, p) => sum + (p.value as number), 0)).toBe(1);
    await iterator.return?.();
    await expect(
      api.pubsub.publishWithResult({ topic: "nobody-listens", replyTopic: "nobody-replies", timeoutMs: 200 }),
    ).rejects.toMatchObject({ code: Code.DeadlineExceeded });
    metrics = await otel.metrics();
    const duration = metrics.get(incubating.METRIC_RPC_CLIENT_DURATION)!;
    expect(duration.descriptor.unit).toBe("ms");
    const points = duration.dataPoints.map((p) => ({ ...p.attributes, count: (p.value as { count: number }).count }));
    expect(points).toContainEqual(
      expect.objectContaining({ [incubating.ATTR_RPC_METHOD]: "ListServices", [incubating.ATTR_RPC_GRPC_STATUS_CODE]: 0 }),
    );
    // In-band Gateway failures are OK at the RPC level; the call's span says what failed.
    expect(points).toContainEqual(expect.objectContaining({ [incubating.ATTR_RPC_METHOD]: "InvokeJson" }));
    expect(metrics.get(names.METRIC_REQUEST_TIMEOUTS)!.dataPoints[0]!.value).toBe(1);
    await otel.waitFor((spans) =>
      spans.find((s) => s.name === "request nobody-listens" && s.status.code === SpanStatusCode.ERROR),
    );
  });
});

describe("telemetry off", () => {
  it("reports nothing from a client without telemetry or with telemetry: false", async () => {
    const before = otel.spans().filter((s) => s.kind === SpanKind.CLIENT).length;
    await using plain = new GatewayClient({ host: "127.0.0.1", port: flaky.port });
    await using off = new GatewayClient({ host: "127.0.0.1", port: flaky.port, telemetry: false });
    await plain.listServices();
    await off.listServices();
    expect(otel.spans().filter((s) => s.kind === SpanKind.CLIENT).length).toBe(before);
  });
});

describe("credentials", () => {
  it("no span carries the api key, in any attribute, event, link or status", () => {
    expect(otel.spans().length).toBeGreaterThan(10);
    for (const span of otel.spans()) expect(spanText(span)).not.toContain(KEY);
  });
});
