// Telemetry configuration: "global" resolves @opentelemetry/api's registered providers (a no-op
// that sends no trace context while none is registered), the SDK's main path never imports the
// API statically, and a dropped event stream's reconnect is counted and traced.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { trace, metrics } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator } from "../../emulator/index.js";
import { startGrpcServer, type RunningServer } from "../../emulator/server/index.js";
import { GatewayClient } from "../../generated/virtufin/gateway_client.js";
import { Gateway } from "../../generated/virtufin/gateway_pb.js";
import { ApiClient } from "../../platform/api-client.js";
import { METRIC_RECONNECTS } from "../../runtime/telemetry/index.js";
import { parseTraceparent } from "../../runtime/telemetry/w3c.js";
import { createOtel, type Otel } from "./otel.js";

let otel: Otel;
let server: RunningServer;
const seen: (string | null)[] = [];

beforeAll(async () => {
  otel = createOtel();
  server = await startGrpcServer({
    port: 0,
    services: [
      {
        desc: Gateway,
        impl: {
          listServices: (_req: unknown, ctx: { requestHeader: Headers }) => (
            seen.push(ctx.requestHeader.get("traceparent")),
            { services: [] }
          ),
        },
      },
    ],
  });
});

afterAll(async () => {
  trace.disable();
  metrics.disable();
  await server?.close();
  await otel?.close();
});

describe('telemetry: "global"', () => {
  it("is a no-op sending no trace context while no SDK is registered, and reports once one is", async () => {
    await using client = new GatewayClient({ host: "127.0.0.1", port: server.port, telemetry: "global" });
    await client.listServices();
    expect(seen.at(-1)).toBeNull();
    expect(otel.spans()).toHaveLength(0);
    trace.setGlobalTracerProvider(otel.tracerProvider);
    metrics.setGlobalMeterProvider(otel.meterProvider);
    await client.listServices();
    const sent = parseTraceparent(seen.at(-1));
    const span = await otel.waitFor((spans) => spans.find((s) => s.name === "virtufin.Gateway/ListServices"));
    expect(sent).toEqual({ traceId: span.spanContext().traceId, spanId: span.spanContext().spanId, traceFlags: 1 });
  });
});

describe("the SDK's main path", () => {
  it("never imports @opentelemetry/api statically nor names its types (only a dynamic import when telemetry is asked for)", () => {
    const root = join(import.meta.dirname, "../..");
    const files = ["runtime", "platform", "generated"].flatMap((dir) =>
      readdirSync(join(root, dir), { recursive: true, encoding: "utf8" })
        .filter((f) => f.endsWith(".ts"))
        .map((f) => join(root, dir, f)),
    );
    const dynamic: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      // A static import would load the package for every user, and even a type import would
      // put it in the SDK's declarations, which must type-check without it.
      expect(text, file).not.toMatch(/from\s+["']@opentelemetry\//);
      expect(text, file).not.toMatch(/typeof import\(["']@opentelemetry\//);
      if (text.includes('import("@opentelemetry/api")')) dynamic.push(file);
    }
    expect(dynamic.map((f) => f.slice(root.length + 1))).toContain(join("runtime", "telemetry", "load.ts"));
  });
});

describe("reconnects", () => {
  it("are counted and traced when an event stream drops", async () => {
    const emulator = await startEmulator({ ports: 0, logLevel: "warn" });
    const api = new ApiClient({
      host: "127.0.0.1",
      port: emulator.addresses.gateway.port,
      telemetry: { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider },
    });
    const controller = new AbortController();
    let reconnected!: () => void;
    const reconnect = new Promise<void>((resolve) => (reconnected = resolve));
    const consuming = (async () => {
      for await (const _ of api.pubsub.subscribe("drops", { signal: controller.signal, onReconnect: () => reconnected() }))
        void _;
    })();
    try {
      const until = Date.now() + 10_000;
      while (emulator.activeSubscriptions() === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      await emulator.stop();
      await reconnect;
      const counted = (await otel.metrics()).get(METRIC_RECONNECTS)!;
      expect(counted.dataPoints[0]!.value).toBeGreaterThanOrEqual(1);
      await otel.waitFor((spans) =>
        spans.find((s) => s.name === "reconnect drops" && s.attributes["virtufin.reconnect.attempt"] === 1),
      );
    } finally {
      controller.abort();
      await consuming.catch(() => undefined);
      await api.close();
      await emulator.stop();
    }
  });
});
