/**
 * The custom-service path (examples/custom-service/): a user's own Pricing service served by a
 * small Connect server with reflection and registered in the emulator's services config, called
 * directly, through its generated typed gateway proxy and through dynamic dispatch; and the
 * pub/sub-bound TimeWorker behind the generated TimeWorkerPubsubProxy, answered by a TypeScript
 * responder and by a Python worker in the WorkManager with the same results.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator, type RunningServer } from "../../emulator/index.js";
import {
  PricingClient,
  PricingGatewayProxy,
  serveTimeWorker,
  TimeWorkerPubsubBinding,
  TimeWorkerPubsubProxy,
  type PricingApi,
  type TimeWorkerApi,
} from "../../examples/custom-service/gen/acme/pricing/v1/pricing_client.js";
import { startPricingServer } from "../../examples/custom-service/pricing-service.js";
import { PYTHON_TIME_WORKER, timeWorkerImpl } from "../../examples/custom-service/time-worker.js";
import { WorkManagerGatewayProxy } from "../../generated/virtufin/workmanager_client.js";
import { ApiClient } from "../../platform/api-client.js";
import { Code, RequestTimeoutError, VirtufinError } from "../../runtime/errors.js";
import { type PubsubBinding } from "../../platform/pubsub/pubsub-core.js";

let pricingServer: RunningServer;
let emulator: Emulator;
let api: ApiClient;
let direct: PricingClient;
beforeAll(async () => {
  pricingServer = await startPricingServer(0);
  emulator = await startEmulator({
    ports: 0,
    logLevel: "warn",
    services: { pricing: { host: pricingServer.host, port: pricingServer.port } },
  });
  api = new ApiClient({ host: "127.0.0.1", port: emulator.addresses.gateway.port });
  direct = new PricingClient({ host: pricingServer.host, port: pricingServer.port });
});
afterAll(async () => {
  await direct?.close();
  await api?.close();
  await emulator?.stop();
  await pricingServer?.close();
});

/** A failed call as `CODE: message`; a success fails the test. */
async function failure(call: Promise<unknown>): Promise<string> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the call should have failed").toBeInstanceOf(VirtufinError);
  return `${(error as VirtufinError).codeName}: ${(error as VirtufinError).rawMessage}`;
}

/** A binding of TimeWorker on topics of its own, so a test does not meet other responders. */
function isolatedBinding(prefix: string): PubsubBinding {
  const methods = Object.fromEntries(
    Object.entries(TimeWorkerPubsubBinding.methods).map(([name, route]) => [
      name,
      { ...route, topic: `${prefix}-requests`, replyTopic: `${prefix}-replies` },
    ]),
  );
  return { ...TimeWorkerPubsubBinding, methods };
}

describe("Pricing: a user's own service behind the Gateway", () => {
  it("the Gateway discovers it through reflection", async () => {
    expect(await api.listServices()).toContain("pricing");
    expect((await api.listMethods("pricing")).map((m) => m.name).sort()).toEqual(["ListInstruments", "Quote"]);
  });

  async function pricingSuite(pricing: PricingApi): Promise<unknown[]> {
    return [
      await pricing.quote({ symbol: "BTCUSDT", quantity: 2 }),
      await pricing.quote({ symbol: "SOLUSDT", quantity: 0.5 }, { timeoutMs: 5_000 }),
      await pricing.listInstruments(),
      await failure(pricing.quote({ symbol: "NOPE", quantity: 1 })),
      await failure(pricing.quote({ symbol: "BTCUSDT", quantity: -1 })),
    ].map((x) => (typeof x === "object" && x !== null && "$typeName" in x ? { ...x } : x));
  }

  it("direct client and typed gateway proxy give the same results", async () => {
    const viaDirect = await pricingSuite(direct);
    expect(viaDirect).toEqual([
      { $typeName: "acme.pricing.v1.QuoteResponse", symbol: "BTCUSDT", unitPrice: 50_000, total: 100_000 },
      { $typeName: "acme.pricing.v1.QuoteResponse", symbol: "SOLUSDT", unitPrice: 150, total: 75 },
      ["BTCUSDT", "ETHUSDT", "SOLUSDT"],
      'NOT_FOUND: unknown symbol "NOPE"',
      "INVALID_ARGUMENT: quantity must be positive, got -1",
    ]);
    const viaProxy = await pricingSuite(new PricingGatewayProxy(api));
    // The Gateway may prefix in-band messages; the codes and values must agree.
    expect(viaProxy.slice(0, 3)).toEqual(viaDirect.slice(0, 3));
    expect((viaProxy.slice(3) as string[]).map((s) => s.split(":")[0])).toEqual(["NOT_FOUND", "INVALID_ARGUMENT"]);
    expect(viaProxy[3]).toContain('unknown symbol "NOPE"');
  });

  it("the proxy's backend name comes from the proto's (virtufin.gateway).name", () => {
    expect(PricingGatewayProxy.gatewayName).toBe("pricing");
  });

  it("dynamic dispatch reaches it too, with proto JSON", async () => {
    expect(await api.gateway.service("pricing").call("Quote", { symbol: "ETHUSDT", quantity: 4 })).toEqual({
      symbol: "ETHUSDT",
      unitPrice: 2500,
      total: 10_000,
    });
    expect(await api.gateway.service("pricing").call("ListInstruments")).toEqual({ symbols: ["BTCUSDT", "ETHUSDT", "SOLUSDT"] });
    const dynamic = api.gateway["pricing"] as unknown as { Quote(request: unknown): Promise<unknown> };
    expect(await dynamic.Quote({ symbol: "BTCUSDT", quantity: 1 })).toEqual({
      symbol: "BTCUSDT",
      unitPrice: 50_000,
      total: 50_000,
    });
  });
});

describe("TimeWorker: typed request-reply over pub/sub", () => {
  const results = new Map<string, unknown[]>();

  async function timeSuite(time: TimeWorkerApi): Promise<unknown[]> {
    const at = await time.getTime({ zone: "UTC", unixSeconds: 1_700_000_000n }, { timeoutMs: 15_000 });
    const now = await time.getTime({ zone: "UTC" }, { timeoutMs: 15_000 });
    // "Now" answers with the current second (a few seconds of slack for a slow machine).
    expect(Math.abs(Date.parse(now.iso) - Date.now())).toBeLessThan(10_000);
    return [
      { iso: at.iso, zone: at.zone },
      await time.elapsed({ fromUnixSeconds: 1_700_000_000n, toUnixSeconds: 1_700_003_600n }, { timeoutMs: 15_000 }),
      await time.elapsed({ fromUnixSeconds: 5n, toUnixSeconds: 5n }, { timeoutMs: 15_000 }),
      await time.elapsed({ fromUnixSeconds: 9_007_199_254_740_993n, toUnixSeconds: 0n }, { timeoutMs: 15_000 }),
      await failure(time.getTime({ zone: "Mars/Olympus" }, { timeoutMs: 15_000 })),
    ];
  }

  it("answered by a TypeScript responder (serveTimeWorker)", async () => {
    const responder = serveTimeWorker(api, timeWorkerImpl);
    await responder.startup();
    try {
      results.set("typescript", await timeSuite(new TimeWorkerPubsubProxy(api)));
    } finally {
      await responder.shutdown();
    }
  });

  it("answered by a Python worker in the WorkManager on the request topic", async () => {
    const workmanager = new WorkManagerGatewayProxy(api);
    const id = await workmanager.createWorker({
      codeSource: { content: new TextEncoder().encode(PYTHON_TIME_WORKER) },
      mimeType: "text/x-python",
      topic: TimeWorkerPubsubBinding.methods["GetTime"]!.topic,
    });
    await workmanager.startWorker(id);
    try {
      results.set("python", await timeSuite(new TimeWorkerPubsubProxy(api)));
    } finally {
      await workmanager.deleteWorker(id);
    }
  }, 60_000);

  it("both gave the same, expected answers, errors with their code", () => {
    const expected = [
      { iso: "2023-11-14T22:13:20Z", zone: "UTC" },
      3600n,
      0n,
      -9_007_199_254_740_993n,
      'INVALID_ARGUMENT: unknown zone "Mars/Olympus"',
    ];
    expect(results.get("typescript")).toEqual(expected);
    expect(results.get("python")).toEqual(expected);
  });

  it("the binding follows the proto: topic from the option, reply topic and types by default", () => {
    expect(TimeWorkerPubsubBinding).toEqual({
      source: "urn:acme.pricing.v1.TimeWorker",
      methods: {
        GetTime: {
          topic: "time-worker-topic",
          replyTopic: "time-worker-topic-replies",
          type: "acme.pricing.v1.TimeWorker.GetTime",
        },
        Elapsed: {
          topic: "time-worker-topic",
          replyTopic: "time-worker-topic-replies",
          type: "acme.pricing.v1.TimeWorker.Elapsed",
        },
      },
    });
  });

  it("no answer in time rejects with RequestTimeoutError after about timeoutMs", async () => {
    const time = new TimeWorkerPubsubProxy(api, isolatedBinding("nobody"));
    const started = Date.now();
    const error = await time.getTime({ zone: "UTC" }, { timeoutMs: 300 }).catch((e: unknown) => e);
    const waited = Date.now() - started;
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect((error as RequestTimeoutError).code).toBe(Code.DeadlineExceeded);
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(5_000);
  });

  it("an aborted signal ends the call promptly with a typed error", async () => {
    const time = new TimeWorkerPubsubProxy(api, isolatedBinding("aborted"));
    const controller = new AbortController();
    const started = Date.now();
    const pending = time.elapsed({}, { timeoutMs: 20_000, signal: controller.signal }).catch((e: unknown) => e);
    setTimeout(() => controller.abort(), 100);
    const error = await pending;
    expect(error).toBeInstanceOf(VirtufinError);
    expect(error).not.toBeInstanceOf(RequestTimeoutError);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("errors thrown by an implementation arrive typed: a VirtufinError keeps its code, anything else is INTERNAL", async () => {
    const binding = isolatedBinding("failing");
    const responder = serveTimeWorker(
      api,
      {
        getTime: () => {
          throw new VirtufinError("no clock here", Code.FailedPrecondition);
        },
        elapsed: async () => {
          throw new Error("boom");
        },
      },
      binding,
    );
    await responder.startup();
    try {
      const time = new TimeWorkerPubsubProxy(api, binding);
      expect(await failure(time.getTime({ zone: "UTC" }, { timeoutMs: 10_000 }))).toBe("FAILED_PRECONDITION: no clock here");
      expect(await failure(time.elapsed({}, { timeoutMs: 10_000 }))).toMatch(/^INTERNAL: .*boom/);
    } finally {
      await responder.shutdown();
    }
  });

  it("after shutdown() a responder answers no more (worker lifecycle)", async () => {
    const binding = isolatedBinding("lifecycle");
    const time = new TimeWorkerPubsubProxy(api, binding);
    const responder = serveTimeWorker(api, timeWorkerImpl, binding);
    await responder.startup();
    expect(await time.elapsed({ fromUnixSeconds: 1n, toUnixSeconds: 3n }, { timeoutMs: 10_000 })).toBe(2n);
    await responder.shutdown();
    const error = await time.elapsed({}, { timeoutMs: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestTimeoutError);
  });
});
