import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as http from "node:http";
import { create, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { Health, HealthCheckResponse_ServingStatus } from "../../generated/grpc/health/v1/health_pb.js";
import { ServerReflection, ServerReflectionRequestSchema } from "../../generated/grpc/reflection/v1/reflection_pb.js";
import { Config } from "../../generated/virtufin/config_pb.js";
import { startGrpcServer, type RunningServer } from "../../emulator/server/index.js";
import { createConfigService } from "../../emulator/services/index.js";

const KEY = "s3cr3t-key-value";
let h2c: RunningServer;
let web: RunningServer;

beforeAll(async () => {
  const services = [{ desc: Config, impl: createConfigService(() => [{ name: "pricing", host: "127.0.0.1", port: 6000 }]) }];
  h2c = await startGrpcServer({ services, port: 0, apiKeys: { ci: KEY } });
  web = await startGrpcServer({ services, port: 0, protocol: "http1" });
});
afterAll(async () => {
  await h2c?.close();
  await web?.close();
});

async function reflect(url: string, requests: Parameters<typeof create<typeof ServerReflectionRequestSchema>>[1][]) {
  const client = createClient(ServerReflection, createGrpcTransport({ baseUrl: url }));
  async function* send() {
    for (const r of requests) yield create(ServerReflectionRequestSchema, r);
  }
  const out = [];
  for await (const res of client.serverReflectionInfo(send())) out.push(res);
  return out;
}

describe("server helper", () => {
  it("binds port 0 to a real port and reports its URL", () => {
    expect(h2c.port).toBeGreaterThan(0);
    expect(h2c.url).toBe(`http://127.0.0.1:${h2c.port}`);
  });

  it("serves health Check without an api key; unknown service is NOT_FOUND", async () => {
    const health = createClient(Health, createGrpcTransport({ baseUrl: h2c.url }));
    expect((await health.check({ service: "" })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    expect((await health.check({ service: "virtufin.Config" })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    await expect(health.check({ service: "nope.Nope" })).rejects.toMatchObject({ code: Code.NotFound });
  });

  it("serves reflection: list_services, file_containing_symbol with dependencies, file_by_filename, errors", async () => {
    const [list, symbol, file, missing] = await reflect(h2c.url, [
      { messageRequest: { case: "listServices", value: "" } },
      { messageRequest: { case: "fileContainingSymbol", value: "virtufin.Config.GetService" } },
      { messageRequest: { case: "fileByFilename", value: "virtufin/config.proto" } },
      { messageRequest: { case: "fileContainingSymbol", value: "no.Such" } },
    ]);
    expect(list?.messageResponse.case).toBe("listServicesResponse");
    const names =
      list?.messageResponse.case === "listServicesResponse" ? list.messageResponse.value.service.map((s) => s.name) : [];
    expect(names).toEqual(
      expect.arrayContaining(["virtufin.Config", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection"]),
    );
    expect(symbol?.messageResponse.case).toBe("fileDescriptorResponse");
    if (symbol?.messageResponse.case === "fileDescriptorResponse") {
      const files = symbol.messageResponse.value.fileDescriptorProto.map((b) => fromBinary(FileDescriptorProtoSchema, b));
      expect(files[0]?.name).toBe("virtufin/config.proto");
      expect(files[0]?.service.map((s) => s.name)).toContain("Config");
      // Every dependency travels with the file.
      for (const dep of files[0]?.dependency ?? []) expect(files.map((f) => f.name)).toContain(dep);
    }
    expect(file?.messageResponse.case).toBe("fileDescriptorResponse");
    expect(missing?.messageResponse.case).toBe("errorResponse");
  });

  it("api keys: missing or wrong key is UNAUTHENTICATED without echoing the key; right key passes", async () => {
    const config = createClient(Config, createGrpcTransport({ baseUrl: h2c.url }));
    const missing = await config.listServices({}).catch((e: unknown) => ConnectError.from(e));
    expect(missing).toBeInstanceOf(ConnectError);
    expect((missing as ConnectError).code).toBe(Code.Unauthenticated);
    const wrong = await config
      .listServices({}, { headers: { "x-api-key": "wrong-" + KEY } })
      .catch((e: unknown) => ConnectError.from(e));
    expect((wrong as ConnectError).code).toBe(Code.Unauthenticated);
    expect((wrong as ConnectError).message).not.toContain(KEY);
    const ok = await config.listServices({}, { headers: { "x-api-key": KEY } });
    expect(ok.services[0]?.name).toBe("pricing");
  });

  it("HTTP/1.1 server speaks gRPC-Web and answers CORS preflights", async () => {
    const config = createClient(Config, createGrpcWebTransport({ baseUrl: web.url, httpVersion: "1.1" }));
    expect((await config.getService({ name: "pricing" })).service?.grpc?.port).toBe(6000);
    await expect(config.getService({ name: "zzz" })).rejects.toMatchObject({ code: Code.NotFound });
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(`${web.url}/virtufin.Config/ListServices`, {
        method: "OPTIONS",
        headers: {
          origin: "http://app.example",
          "access-control-request-method": "POST",
          "access-control-request-headers": "x-api-key,content-type,x-grpc-web",
        },
      });
      req.on("response", resolve).on("error", reject).end();
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers["access-control-allow-origin"]).toBe("http://app.example");
    expect(String(res.headers["access-control-allow-headers"]).toLowerCase()).toContain("x-api-key");
    expect(String(res.headers["access-control-allow-headers"]).toLowerCase()).toContain("x-grpc-web");
    res.resume();
  });

  it("close() ends a health Watch stream cleanly (NOT_SERVING, then the end)", async () => {
    const server = await startGrpcServer({ services: [], port: 0 });
    const health = createClient(Health, createGrpcTransport({ baseUrl: server.url }));
    const seen: HealthCheckResponse_ServingStatus[] = [];
    const watching = (async () => {
      for await (const res of health.watch({ service: "" })) {
        seen.push(res.status);
        if (seen.length === 1) void server.close();
      }
    })();
    await watching;
    expect(seen).toEqual([HealthCheckResponse_ServingStatus.SERVING, HealthCheckResponse_ServingStatus.NOT_SERVING]);
    await server.close();
  });
});
