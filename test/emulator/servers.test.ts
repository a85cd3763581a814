import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as http from "node:http";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus } from "../../generated/grpc/health/v1/health_pb.js";
import { ServerReflection, ServerReflectionRequestSchema } from "../../generated/grpc/reflection/v1/reflection_pb.js";
import { Gateway } from "../../generated/virtufin/gateway_pb.js";
import { Pubsub } from "../../generated/virtufin/pubsub_pb.js";
import { State } from "../../generated/virtufin/state_pb.js";
import { WorkManager } from "../../generated/virtufin/workmanager_pb.js";
import { createLogger, startEmulator, type Emulator } from "../../emulator/index.js";
import { collect, grpcClient, waitFor } from "./helpers.js";

const KEY = "emulator-test-key-9f8e7d";
let open: Emulator;
let locked: Emulator;

beforeAll(async () => {
  open = await startEmulator({ ports: 0, logLevel: "silent" });
  locked = await startEmulator({ ports: 0, logLevel: "silent", apiKeys: { ci: KEY } });
});
afterAll(async () => {
  await open?.stop();
  await locked?.stop();
});

async function reflectedServices(url: string): Promise<string[]> {
  const client = grpcClient(ServerReflection, url);
  async function* one() {
    yield create(ServerReflectionRequestSchema, { messageRequest: { case: "listServices", value: "" } });
  }
  for await (const res of client.serverReflectionInfo(one())) {
    if (res.messageResponse.case === "listServicesResponse") return res.messageResponse.value.service.map((s) => s.name);
  }
  return [];
}

describe("every server", () => {
  it("binds free ports with ports: 0 and reports distinct addresses", () => {
    const { gateway, grpcWeb, workmanager, websocketmanager } = open.addresses;
    const ports = [gateway.port, grpcWeb.port, workmanager.port, websocketmanager.port];
    expect(new Set(ports).size).toBe(4);
    expect(gateway.url).toBe(`http://127.0.0.1:${gateway.port}`);
  });

  it("serves health and reflection, without an api key even when keys are enforced", async () => {
    const { gateway, workmanager, websocketmanager } = locked.addresses;
    const expected: [string, string][] = [
      [gateway.url, "virtufin.Gateway"],
      [workmanager.url, "virtufin.WorkManager"],
      [websocketmanager.url, "virtufin.WebSocketManager"],
    ];
    for (const [url, service] of expected) {
      const health = grpcClient(Health, url);
      expect((await health.check({ service: "" })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
      expect((await health.check({ service })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
      expect(await reflectedServices(url)).toEqual(
        expect.arrayContaining([service, "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection"]),
      );
    }
    expect(await reflectedServices(gateway.url)).toEqual(
      expect.arrayContaining(["virtufin.State", "virtufin.Pubsub", "virtufin.Config"]),
    );
    // The gRPC-Web server answers health over HTTP/1.1 too.
    const webHealth = createClient(Health, createGrpcWebTransport({ baseUrl: locked.addresses.grpcWeb.url, httpVersion: "1.1" }));
    expect((await webHealth.check({ service: "virtufin.Gateway" })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
  });
});

describe("api keys", () => {
  it("a call without a key or with a wrong key is UNAUTHENTICATED, and the error never shows a key", async () => {
    const gw = grpcClient(Gateway, locked.addresses.gateway.url);
    for (const headers of [{}, { "x-api-key": KEY + "-wrong" }] as Record<string, string>[]) {
      const error = await gw.listServices({}, { headers }).then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
      expect(error?.code).toBe(Code.Unauthenticated);
      expect(error?.message).not.toContain(KEY);
    }
    const wm = grpcClient(WorkManager, locked.addresses.workmanager.url);
    await expect(wm.listWorkers({})).rejects.toMatchObject({ code: Code.Unauthenticated });
  });

  it("the right key passes, and InvokeJson forwards it to the backend", async () => {
    const headers = { "x-api-key": KEY };
    const gw = grpcClient(Gateway, locked.addresses.gateway.url);
    expect((await gw.listServices({}, { headers })).services).toContain("workmanager");
    const res = await gw.invokeJson({ service: "workmanager", method: "ListWorkers", requestData: "{}" }, { headers });
    expect(res).toMatchObject({ success: true, status: "OK" });
  });

  it("logs name the key, never show it", async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: "debug", write: (line) => lines.push(line) });
    const emu = await startEmulator({ ports: 0, logger, apiKeys: { "ci-runner": KEY } });
    try {
      const gw = grpcClient(Gateway, emu.addresses.gateway.url);
      await gw.listServices({}, { headers: { "x-api-key": KEY } });
      await gw.listServices({}, { headers: { "x-api-key": KEY + "x" } }).catch(() => undefined);
      await gw.invokeJson(
        { service: "workmanager", method: "ListWorkers", requestData: "{}" },
        { headers: { "x-api-key": KEY } },
      );
    } finally {
      await emu.stop();
    }
    expect(lines.some((line) => line.includes("apiKey=ci-runner"))).toBe(true);
    expect(lines.some((line) => line.includes("unknown api key rejected"))).toBe(true);
    for (const line of lines) expect(line).not.toContain(KEY);
  });

  it("streams are guarded too", async () => {
    const gw = grpcClient(Gateway, locked.addresses.gateway.url);
    const error = await (async () => {
      for await (const _ of gw.watchSystemEvents({})) break;
    })().then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    expect(error?.code).toBe(Code.Unauthenticated);
  });
});

describe("gRPC-Web server (HTTP/1.1)", () => {
  it("serves the API to gRPC-Web clients over HTTP/1.1", async () => {
    const transport = createGrpcWebTransport({ baseUrl: open.addresses.grpcWeb.url, httpVersion: "1.1" });
    const gw = createClient(Gateway, transport);
    expect((await gw.listServices({})).services).toEqual(["workmanager", "websocketmanager"]);
    const state = createClient(State, transport);
    await state.saveState({ service: "web", key: "k", value: "from-browser" });
    expect((await state.getState({ service: "web", key: "k" })).value).toBe("from-browser");
    // Same backends as the HTTP/2 server: the value is visible there too.
    expect((await grpcClient(State, open.addresses.gateway.url).getState({ service: "web", key: "k" })).value).toBe(
      "from-browser",
    );
  });

  it("streams Pubsub.Subscribe over gRPC-Web on HTTP/1.1, and stop() ends the stream cleanly and promptly", async () => {
    const emu = await startEmulator({ ports: 0, logLevel: "silent" });
    const web = createClient(Pubsub, createGrpcWebTransport({ baseUrl: emu.addresses.grpcWeb.url, httpVersion: "1.1" }));
    const sub = collect((signal) => web.subscribe({ topic: "browser" }, { signal }));
    await waitFor(() => emu.activeStreams() === 1, "the subscription");
    await web.publishEvent({
      topic: "browser",
      data: new TextEncoder().encode('{"hello":1}'),
      metadata: { correlationid: "web-1" },
    });
    await waitFor(() => sub.items.length === 1, "the event");
    expect(sub.items[0]?.metadata["correlationid"]).toBe("web-1");
    const started = Date.now();
    await emu.stop();
    expect(await sub.done).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it("answers CORS preflights for any origin, allowing x-api-key and the grpc-web headers", async () => {
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http
        .request(`${open.addresses.grpcWeb.url}/virtufin.Gateway/ListServices`, {
          method: "OPTIONS",
          headers: {
            origin: "https://ui.example",
            "access-control-request-method": "POST",
            "access-control-request-headers": "x-api-key, x-grpc-web, content-type",
          },
        })
        .on("response", resolve)
        .on("error", reject)
        .end();
    });
    res.resume();
    expect(res.statusCode).toBe(204);
    expect(res.headers["access-control-allow-origin"]).toBe("https://ui.example");
    const allowed = String(res.headers["access-control-allow-headers"]).toLowerCase();
    for (const header of ["x-api-key", "x-grpc-web", "content-type", "x-user-agent"]) expect(allowed).toContain(header);
    expect(String(res.headers["access-control-allow-methods"])).toContain("POST");
  });

  it("exposes the grpc-web response headers to browsers on real calls", async () => {
    const body = Buffer.from([0, 0, 0, 0, 0]);
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http
        .request(`${open.addresses.grpcWeb.url}/virtufin.Gateway/ListServices`, {
          method: "POST",
          headers: { origin: "https://ui.example", "content-type": "application/grpc-web+proto", "x-grpc-web": "1" },
        })
        .on("response", resolve)
        .on("error", reject)
        .end(body);
    });
    res.resume();
    expect(res.statusCode).toBe(200);
    expect(res.headers["access-control-allow-origin"]).toBe("https://ui.example");
    expect(String(res.headers["access-control-expose-headers"]).toLowerCase()).toContain("grpc-status");
  });
});
