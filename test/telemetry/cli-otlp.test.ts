// The emulator CLI exports traces over OTLP/HTTP only when told where (flag or standard
// environment variables): a real child process, a real loopback collector receiving the spans.
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SpanKind } from "@opentelemetry/api";
import { parseCli } from "../../emulator/cli-args.js";
import { otlpTracesUrl } from "../../emulator/otlp.js";
import { GatewayClient } from "../../generated/virtufin/gateway_client.js";
import { createOtel, type Otel } from "./otel.js";

const bin = join(import.meta.dirname, "../../packages/emulator/bin/virtufin-emulator.js");
let collector: Server;
const received: { path: string; body: string }[] = [];
let otel: Otel;

beforeAll(async () => {
  otel = createOtel();
  collector = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.push({ path: req.url ?? "", body: Buffer.concat(chunks).toString("utf8") });
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
});

afterAll(async () => {
  await new Promise((resolve) => collector?.close(resolve));
  await otel?.close();
});

describe("OTLP endpoint configuration", () => {
  it("exports nothing by default; the flag wins over the environment; OTEL_TRACES_EXPORTER=none turns the environment off", () => {
    expect(otlpTracesUrl(undefined, {})).toBeUndefined();
    expect(otlpTracesUrl(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318/" })).toBe(
      "http://127.0.0.1:4318/v1/traces",
    );
    expect(
      otlpTracesUrl(undefined, {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://127.0.0.1:9/t",
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318",
      }),
    ).toBe("http://127.0.0.1:9/t");
    expect(otlpTracesUrl("http://127.0.0.1:1", { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318" })).toBe(
      "http://127.0.0.1:1/v1/traces",
    );
    expect(
      otlpTracesUrl(undefined, { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318", OTEL_TRACES_EXPORTER: "none" }),
    ).toBeUndefined();
    expect(() => parseCli(["--otlp-endpoint", "ftp://x"], {})).toThrow(/http: or https:/);
    expect(parseCli([], {})).not.toHaveProperty("otlpTracesUrl");
  });
});

describe("virtufin-emulator with an OTLP endpoint", () => {
  it("sends the server spans of a call, continuing the caller's trace, to the collector", async () => {
    const { port } = collector.address() as AddressInfo;
    const ports = ["--gateway-port", "0", "--grpc-web-port", "0", "--workmanager-port", "0", "--websocketmanager-port", "0"];
    const child = spawn(process.execPath, [bin, ...ports], {
      env: { PATH: process.env["PATH"], OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    try {
      const until = Date.now() + 20_000;
      while (!stderr.includes("ready") && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(stderr).toContain(`exporting traces to http://127.0.0.1:${port}/v1/traces`);
      const gatewayPort = Number(/Gateway\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)?.[1]);
      await using client = new GatewayClient({
        host: "127.0.0.1",
        port: gatewayPort,
        telemetry: { tracerProvider: otel.tracerProvider },
      });
      await client.listServices();
      const span = await otel.waitFor((spans) => spans.find((s) => s.kind === SpanKind.CLIENT));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      const body = received
        .filter((r) => r.path === "/v1/traces")
        .map((r) => r.body)
        .join("\n");
      expect(body).toContain("virtufin.Gateway/ListServices");
      expect(body).toContain(span.spanContext().traceId);
      expect(body).toContain(span.spanContext().spanId);
    } finally {
      child.kill("SIGKILL");
    }
  }, 40_000);
});
