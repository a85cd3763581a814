import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { Gateway } from "../../generated/virtufin/gateway_pb.js";
import { startEmulator, type Emulator } from "../../emulator/index.js";
import type { RunningServer } from "../../emulator/server/index.js";
import { grpcClient, loadPricing, startPricingBackend, type Pricing } from "./helpers.js";

let pricing: Pricing;
let backend: RunningServer;
let emulator: Emulator;
let gateway: ReturnType<typeof grpcClient<typeof Gateway>>;

beforeAll(async () => {
  pricing = loadPricing();
  backend = await startPricingBackend(pricing);
  emulator = await startEmulator({
    ports: 0,
    logLevel: "silent",
    services: { pricing: { host: "127.0.0.1", port: backend.port } },
  });
  gateway = grpcClient(Gateway, emulator.addresses.gateway.url);
});
afterAll(async () => {
  await emulator?.stop();
  await backend?.close();
});

describe("Gateway discovery", () => {
  it("ListServices names the emulator's managers and the configured backend", async () => {
    expect((await gateway.listServices({})).services).toEqual(["workmanager", "websocketmanager", "pricing"]);
  });

  it("ListMethods of workmanager comes from reflection, in declaration order", async () => {
    const { methods } = await gateway.listMethods({ service: "workmanager" });
    expect(methods.map((m) => m.name)).toEqual(
      expect.arrayContaining(["CreateWorker", "ListWorkers", "DeleteWorker", "StartWorker", "StopWorker"]),
    );
    const create = methods.find((m) => m.name === "CreateWorker");
    expect(create).toMatchObject({
      fullName: "virtufin.WorkManager.CreateWorker",
      inputType: "virtufin.CreateWorkerRequest",
      outputType: "virtufin.CreateWorkerResponse",
      isClientStreaming: false,
      isServerStreaming: false,
    });
  });

  it("ListMethods of a user's backend includes its streaming flags; the Gateway lists itself", async () => {
    const { methods } = await gateway.listMethods({ service: "pricing" });
    expect(methods.map((m) => [m.name, m.isServerStreaming])).toEqual([
      ["GetQuote", false],
      ["WatchQuotes", true],
    ]);
    const self = await gateway.listMethods({ service: "virtufin.Gateway" });
    expect(self.methods.map((m) => m.name)).toContain("InvokeJson");
  });

  it("ListMethods of an unknown service is NOT_FOUND; an empty name is INVALID_ARGUMENT", async () => {
    await expect(gateway.listMethods({ service: "nope" })).rejects.toMatchObject({ code: Code.NotFound });
    await expect(gateway.listMethods({ service: "" })).rejects.toMatchObject({ code: Code.InvalidArgument });
  });

  it("GetMethodSchema describes input (default) and output fields, oneofs, maps and enums", async () => {
    const input = (await gateway.getMethodSchema({ service: "workmanager", method: "CreateWorker" })).schema;
    expect(input?.schemaType).toBe("input");
    expect(input?.inputTypeName).toBe("virtufin.CreateWorkerRequest");
    expect(input?.fields.map((f) => f.name)).toEqual(["code_source", "mime_type", "topic", "group"]);
    expect(input?.fields[0]).toMatchObject({ type: "message", typeName: "virtufin.CodeSource", isOptional: true });

    const req = (await gateway.getMethodSchema({ service: "pricing", method: "GetQuote", type: "input" })).schema;
    const buy = req?.fields.find((f) => f.name === "buy");
    expect(buy).toMatchObject({ type: "bool", oneofGroup: "side", isOptional: true });
    expect(buy?.oneofCases.map((c) => [c.name, c.fieldNumber])).toEqual([
      ["buy", 3],
      ["sell", 4],
    ]);
    expect(req?.fields.find((f) => f.name === "quantity")).toMatchObject({ type: "int32", isOptional: false, isRepeated: false });

    const out = (await gateway.getMethodSchema({ service: "pricing", method: "GetQuote", type: "output" })).schema;
    expect(out?.schemaType).toBe("output");
    expect(out?.fields.find((f) => f.name === "seen_headers")).toMatchObject({ type: "map" });
    expect(out?.fields.find((f) => f.name === "tier")).toMatchObject({ type: "enum", typeName: "acme.pricing.v1.Tier" });
    expect(out?.fields.find((f) => f.name === "as_of")).toMatchObject({ type: "message", typeName: "google.protobuf.Timestamp" });
  });

  it("GetMethodSchema errors: unknown method NOT_FOUND, bad type INVALID_ARGUMENT", async () => {
    await expect(gateway.getMethodSchema({ service: "pricing", method: "Nope" })).rejects.toMatchObject({ code: Code.NotFound });
    await expect(gateway.getMethodSchema({ service: "pricing", method: "GetQuote", type: "protobuf" })).rejects.toMatchObject({
      code: Code.InvalidArgument,
    });
  });
});

describe("Gateway dispatch", () => {
  it("InvokeJson reaches a service the emulator never compiled (snake_case in, lowerCamel out)", async () => {
    const res = await gateway.invokeJson({
      service: "pricing",
      method: "GetQuote",
      requestData: JSON.stringify({ instrument_id: "ACME", quantity: 4, buy: true }),
    });
    expect(res).toMatchObject({ success: true, status: "OK", message: "" });
    const body = JSON.parse(res.responseData) as Record<string, unknown>;
    expect(body["instrumentId"]).toBe("ACME");
    expect(body["totalPrice"]).toBe(10);
    expect(body["tier"]).toBe("TIER_GOLD");
    expect(typeof body["asOf"]).toBe("string");
    expect(body).not.toHaveProperty("instrument_id");
  });

  it("InvokeJson accepts lowerCamel names and an empty request", async () => {
    const camel = await gateway.invokeJson({
      service: "pricing",
      method: "GetQuote",
      requestData: '{"instrumentId":"X","quantity":2}',
    });
    expect(JSON.parse(camel.responseData)).toMatchObject({ instrumentId: "X", totalPrice: 5 });
    const empty = await gateway.invokeJson({ service: "workmanager", method: "ListWorkers", requestData: "" });
    expect(empty).toMatchObject({ success: true, status: "OK" });
    expect(JSON.parse(empty.responseData)).toEqual({});
  });

  it("forwards request headers (correlationid, tracing, custom) but not hop-by-hop ones", async () => {
    const res = await gateway.invokeJson(
      { service: "pricing", method: "GetQuote", requestData: '{"instrumentId":"H","quantity":1}' },
      {
        headers: {
          correlationid: "corr-42",
          traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
          "x-custom": "yes",
        },
      },
    );
    const seen = (JSON.parse(res.responseData) as { seenHeaders: Record<string, string> }).seenHeaders;
    expect(seen["correlationid"]).toBe("corr-42");
    expect(seen["traceparent"]).toBe("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    expect(seen["x-custom"]).toBe("yes");
    // The backend call is the Gateway's own gRPC call: its protocol headers, not the caller's.
    expect(seen["content-type"]).toBe("application/grpc+proto");
    expect(seen["connection"]).toBeUndefined();
  });

  it("reports failures in-band: unknown service, unknown method, bad JSON, wrong field, backend error, streaming", async () => {
    const call = (service: string, method: string, requestData: string) => gateway.invokeJson({ service, method, requestData });
    expect(await call("nope", "GetQuote", "{}")).toMatchObject({ success: false, status: "NOT_FOUND" });
    const unknownMethod = await call("pricing", "Nope", "{}");
    expect(unknownMethod).toMatchObject({ success: false, status: "NOT_FOUND" });
    expect(unknownMethod.message).toContain("Nope");
    expect(unknownMethod.message).toMatch(/\(it has .*GetQuote/);
    // Dynamic calls use proto names: a lowerCamel name gets the one it probably meant.
    const camel = await call("pricing", "getQuote", "{}");
    expect(camel).toMatchObject({ success: false, status: "NOT_FOUND" });
    expect(camel.message).toContain("did you mean 'GetQuote'? methods are called by their proto names");
    expect(await call("pricing", "GetQuote", "{not json")).toMatchObject({ success: false, status: "INVALID_ARGUMENT" });
    expect(await call("pricing", "GetQuote", '{"no_such_field":1}')).toMatchObject({
      success: false,
      status: "INVALID_ARGUMENT",
    });
    expect(await call("pricing", "GetQuote", '{"quantity":"many"}')).toMatchObject({
      success: false,
      status: "INVALID_ARGUMENT",
    });
    const missing = await call("pricing", "GetQuote", '{"instrumentId":"MISSING"}');
    expect(missing).toMatchObject({ success: false, status: "NOT_FOUND", message: "no such instrument", responseData: "" });
    expect(await call("pricing", "WatchQuotes", "{}")).toMatchObject({ success: false, status: "UNIMPLEMENTED" });
    expect(await call("workmanager", "DeleteWorker", '{"id":"no-such-worker"}')).toMatchObject({
      success: false,
      status: "NOT_FOUND",
    });
  });

  it("Invoke passes serialized messages through", async () => {
    const request = create(pricing.request, { instrumentId: "BIN", quantity: 3 });
    const res = await gateway.invoke({ service: "pricing", method: "GetQuote", requestData: toBinary(pricing.request, request) });
    expect(res).toMatchObject({ success: true, status: "OK" });
    const decoded = fromBinary(pricing.response, res.responseData) as unknown as { instrumentId: string; totalPrice: number };
    expect(decoded.instrumentId).toBe("BIN");
    expect(decoded.totalPrice).toBe(7.5);
    const bad = await gateway.invoke({ service: "pricing", method: "GetQuote", requestData: new Uint8Array([0xff, 0xff, 0xff]) });
    expect(bad).toMatchObject({ success: false, status: "INVALID_ARGUMENT" });
  });

  it("an unreachable backend is UNAVAILABLE in-band", async () => {
    const down = await startPricingBackend(pricing);
    const port = down.port;
    await down.close();
    const emu = await startEmulator({ ports: 0, logLevel: "silent", services: { gone: { port } } });
    try {
      const gw = grpcClient(Gateway, emu.addresses.gateway.url);
      expect(await gw.invokeJson({ service: "gone", method: "GetQuote", requestData: "{}" })).toMatchObject({
        success: false,
        status: "UNAVAILABLE",
      });
      await expect(gw.listMethods({ service: "gone" })).rejects.toMatchObject({ code: Code.Unavailable });
    } finally {
      await emu.stop();
    }
  });

  it("the reflection cache is refreshed when a backend changes behind the same address", async () => {
    // First a backend without the pricing service (only health and reflection) on a port...
    const { startGrpcServer } = await import("../../emulator/server/index.js");
    const bare = await startGrpcServer({ services: [], port: 0 });
    const port = bare.port;
    const emu = await startEmulator({ ports: 0, logLevel: "silent", services: { moving: { port } }, reflectionTtlMs: 60_000 });
    try {
      const gw = grpcClient(Gateway, emu.addresses.gateway.url);
      expect((await gw.listMethods({ service: "moving" })).methods).toEqual([]);
      await bare.close();
      // ...then the pricing backend on the same port: the cached answer must not hide it.
      const replacement = await startPricingBackend(pricing, port);
      try {
        const res = await gw.invokeJson({
          service: "moving",
          method: "GetQuote",
          requestData: '{"instrumentId":"N","quantity":1}',
        });
        expect(res).toMatchObject({ success: true, status: "OK" });
      } finally {
        await replacement.close();
      }
    } finally {
      await emu.stop();
    }
  });

  it("a cached reflection answer expires after the TTL", async () => {
    const { startGrpcServer } = await import("../../emulator/server/index.js");
    const bare = await startGrpcServer({ services: [], port: 0 });
    const port = bare.port;
    const emu = await startEmulator({ ports: 0, logLevel: "silent", services: { ttl: { port } }, reflectionTtlMs: 1_000 });
    try {
      const gw = grpcClient(Gateway, emu.addresses.gateway.url);
      expect((await gw.listMethods({ service: "ttl" })).methods).toEqual([]);
      await bare.close();
      const replacement = await startPricingBackend(pricing, port);
      try {
        // Within the TTL the cached (empty) answer stands; after it, reflection is asked again.
        expect((await gw.listMethods({ service: "ttl" })).methods).toEqual([]);
        await new Promise((resolve) => setTimeout(resolve, 1_100));
        expect((await gw.listMethods({ service: "ttl" })).methods.map((m) => m.name)).toEqual(["GetQuote", "WatchQuotes"]);
      } finally {
        await replacement.close();
      }
    } finally {
      await emu.stop();
    }
  });
});
