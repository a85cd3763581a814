// The SDK's ReflectionClient against real servers on loopback: the emulator (its WorkManager,
// Pubsub and Gateway ports, over gRPC and over gRPC-Web on its HTTP/1.1 port) and plain Connect
// servers (reflection v1, v1alpha only, none). No generated stub is used for the calls.
import { Ajv2020 } from "ajv/dist/2020.js";
import type { ConnectRouter, Interceptor } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/index.js";
import { createReflectionService, createReflectionServiceV1alpha } from "../../platform/reflection/reflection-service.js";
import { ServerReflection } from "../../generated/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionV1alpha } from "../../generated/grpc/reflection/v1alpha/reflection_pb.js";
import { Pubsub } from "../../generated/virtufin/pubsub_pb.js";
import { file_acme_pricing_v1_pricing, Pricing } from "../../examples/custom-service/gen/acme/pricing/v1/pricing_pb.js";
import { file_virtufin_options } from "../../examples/custom-service/gen/virtufin/options_pb.js";
import { pricingImpl } from "../../examples/custom-service/pricing-service.js";
import { ReflectionClient } from "../../platform/reflection/reflection-client.js";
import { Connection, type ConnectionOptions } from "../../runtime/connection.js";
import { Code, VirtufinError } from "../../runtime/errors.js";
import { startTestServer, type TestServer } from "../support/connect-server.js";
import { failure } from "../support/failure.js";

const API_KEY = "reflection-test-key";
/** A JavaScript worker that does nothing, base64 as proto JSON writes bytes. */
const WORKER_CODE = Buffer.from("function Process(event) { return null; }\n").toString("base64");
let emulator: Emulator;
const servers: TestServer[] = [];

beforeAll(async () => {
  emulator = await startEmulator({ ports: 0, logLevel: "warn", apiKeys: { tests: API_KEY } });
});
afterAll(async () => {
  await emulator?.stop();
  for (const server of servers) await server.close();
});

const at = (port: number, extra: ConnectionOptions = {}): ConnectionOptions => ({
  host: "127.0.0.1",
  port,
  apiKey: API_KEY,
  ...extra,
});

/** Counts the reflection calls a connection makes, and records which version each used. */
function reflectionCounter(): { interceptor: Interceptor; count: () => number; versions: string[] } {
  const versions: string[] = [];
  return {
    interceptor: (next) => (req) => {
      if (req.service.typeName.startsWith("grpc.reflection.")) versions.push(req.service.typeName.split(".")[2] ?? "");
      return next(req);
    },
    count: () => versions.length,
    versions,
  };
}

/** The routes of a plain Connect server: Pricing, a Pubsub whose Subscribe streams three events, the given reflection. */
function plainRoutes(reflection: "v1" | "v1alpha" | "none", withPubsub = true): (router: ConnectRouter) => void {
  const services = withPubsub ? [Pricing, Pubsub] : [Pricing];
  return (router: ConnectRouter) => {
    router.service(Pricing, pricingImpl);
    if (withPubsub) {
      router.service(Pubsub, {
        async *subscribe(req) {
          for (let i = 1; i <= 3; i++)
            yield { topic: req.topic, messageId: `e${i}`, data: new TextEncoder().encode(`{"n":${i}}`) };
        },
      });
    }
    const v1 = createReflectionService([...services, ServerReflection], [file_acme_pricing_v1_pricing, file_virtufin_options]);
    if (reflection === "v1") router.service(ServerReflection, v1);
    if (reflection === "v1alpha") router.service(ServerReflectionV1alpha, createReflectionServiceV1alpha(v1));
  };
}

/** A plain Connect server on a free loopback port, stopped after the file's tests. */
async function plainServer(reflection: "v1" | "v1alpha" | "none", withPubsub = true): Promise<TestServer> {
  const server = await startTestServer(plainRoutes(reflection, withPubsub));
  servers.push(server);
  return server;
}

describe("against the emulator", () => {
  it("lists services and methods of the WorkManager port, as the Gateway describes them", async () => {
    await using wm = new ReflectionClient(at(emulator.addresses.workmanager.port));
    expect(await wm.listServices()).toEqual(["virtufin.WorkManager"]);
    const methods = await wm.listMethods("virtufin.WorkManager");
    expect(methods.map((m) => m.name)).toEqual(
      expect.arrayContaining(["CreateWorker", "ListWorkers", "DeleteWorker", "StartWorker", "StopWorker"]),
    );
    // The same description as Gateway.ListMethods gives.
    await using api = new (await import("../../platform/api-client.js")).ApiClient(at(emulator.addresses.gateway.port));
    const viaGateway = await api.listMethods("workmanager");
    expect(methods.map((m) => [m.fullName, m.inputType, m.outputType])).toEqual(
      viaGateway.map((m) => [m.fullName, m.inputType, m.outputType]),
    );
    expect(await wm.listMethods("WorkManager")).toEqual(methods); // bare service name
  });

  it("creates, lists and deletes a worker with proto JSON in and out", async () => {
    await using wm = new ReflectionClient(at(emulator.addresses.workmanager.port));
    const code = WORKER_CODE;
    const created = (await wm.call("virtufin.WorkManager/CreateWorker", {
      mimeType: "text/javascript",
      topic: "reflect-topic",
      codeSource: { content: code },
    })) as { id: string };
    expect(created.id).toMatch(/\S/);
    const listed = (await wm.call("/virtufin.WorkManager/ListWorkers", {})) as { workers: { id: string; topic: string }[] };
    expect(listed.workers.find((w) => w.id === created.id)?.topic).toBe("reflect-topic");
    expect(await wm.call("virtufin.WorkManager.DeleteWorker", { id: created.id })).toEqual({});
    const again = (await wm.call("WorkManager/ListWorkers")) as { workers?: unknown[] };
    expect(again.workers ?? []).toEqual([]);
  });

  it("streams a server-streaming method as an AsyncIterable of proto JSON", async () => {
    await using gw = new ReflectionClient(at(emulator.addresses.gateway.port));
    const controller = new AbortController();
    const received: unknown[] = [];
    const reading = (async () => {
      for await (const event of gw.stream(
        "virtufin.Pubsub/Subscribe",
        { topic: "reflect-stream" },
        { signal: controller.signal },
      )) {
        received.push(event);
        if (received.length === 2) break;
      }
    })();
    // Publish until the subscription (which starts asynchronously) has seen two events.
    for (let i = 0; i < 50 && received.length < 2; i++) {
      await gw.call("virtufin.Pubsub/PublishEvent", {
        topic: "reflect-stream",
        data: Buffer.from(JSON.stringify({ i })).toString("base64"),
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await reading;
    expect(received[0]).toMatchObject({ topic: "reflect-stream", messageId: expect.any(String) as unknown });
    expect(JSON.parse(Buffer.from((received[0] as { data: string }).data, "base64").toString())).toEqual({
      i: expect.any(Number) as unknown,
    });
    expect(gw.connection.inflight).toBe(0);
  });

  it("works over gRPC-Web on the emulator's HTTP/1.1 port (the browser route)", async () => {
    await using web = new ReflectionClient(at(emulator.addresses.grpcWeb.port, { protocol: "grpc-web" }));
    expect(await web.listServices()).toEqual(expect.arrayContaining(["virtufin.Gateway", "virtufin.State", "virtufin.Pubsub"]));
    expect(await web.call("virtufin.Gateway/ListServices")).toMatchObject({
      services: expect.arrayContaining(["workmanager"]) as unknown,
    });
    const events: unknown[] = [];
    const stream = web.stream("virtufin.Pubsub/Subscribe", { topic: "reflect-web" }, { timeoutMs: 300 });
    const error = await failure(
      (async () => {
        for await (const e of stream) events.push(e);
      })(),
      VirtufinError,
    );
    expect(error.code).toBe(Code.DeadlineExceeded);
  });

  it("sends the connection's credentials: without the api key the call is UNAUTHENTICATED", async () => {
    await using keyless = new ReflectionClient({ host: "127.0.0.1", port: emulator.addresses.workmanager.port });
    // Reflection itself is open on the platform; the call is not.
    expect(await keyless.listServices()).toEqual(["virtufin.WorkManager"]);
    expect((await failure(keyless.call("virtufin.WorkManager/ListWorkers"), VirtufinError)).code).toBe(Code.Unauthenticated);
  });

  it("applies deadlines and cancellation as generated clients do", async () => {
    await using gw = new ReflectionClient(at(emulator.addresses.gateway.port, { streamTimeoutMs: 250 }));
    const started = Date.now();
    const timedOut = await failure(
      (async () => {
        for await (const _ of gw.stream("virtufin.Pubsub/Subscribe", { topic: "quiet" })) void _;
      })(),
      VirtufinError,
    );
    expect([timedOut.code, Date.now() - started < 3_000]).toEqual([Code.DeadlineExceeded, true]);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const cancelled = await failure(
      (async () => {
        for await (const _ of gw.stream("virtufin.Pubsub/Subscribe", { topic: "quiet" }, { signal: controller.signal })) void _;
      })(),
      VirtufinError,
    );
    expect(cancelled.code).toBe(Code.Canceled);
    await expect(gw.call("virtufin.Gateway/ListServices", {}, { timeoutMs: -1 })).rejects.toThrow(VirtufinError);
    expect(gw.connection.inflight).toBe(0);
  });

  it("describes a method's request and response as JSON Schemas that real messages satisfy", async () => {
    await using wm = new ReflectionClient(at(emulator.addresses.workmanager.port));
    const described = await wm.describeMethod("virtufin.WorkManager/CreateWorker");
    expect([described.path, described.kind, described.info.inputType]).toEqual([
      "/virtufin.WorkManager/CreateWorker",
      "unary",
      "virtufin.CreateWorkerRequest",
    ]);
    const ajv = new Ajv2020({ strict: false });
    const request = ajv.compile(described.requestSchema);
    expect(request({ mimeType: "text/javascript", topic: "t", codeSource: { content: "YQ==" }, group: "g" })).toBe(true);
    expect(request({ codeSource: { content: "YQ==", url: "http://x/y" } })).toBe(false); // two members of one oneof
    expect(request({ topic: 5 })).toBe(false);
    expect(request({ unknownField: 1 })).toBe(false);
    // The proto JSON the server actually answers fits the response schema, recursively.
    const list = await wm.describeMethod("virtufin.WorkManager/ListWorkers");
    const created = (await wm.call("virtufin.WorkManager/CreateWorker", {
      mimeType: "text/javascript",
      topic: "schema",
      codeSource: { content: WORKER_CODE },
    })) as { id: string };
    const response = ajv.compile(list.responseSchema);
    const answer = await wm.call("virtufin.WorkManager/ListWorkers");
    expect(response(answer), JSON.stringify(response.errors)).toBe(true);
    await wm.call("virtufin.WorkManager/DeleteWorker", { id: created.id });
  });

  it("bad input: unknown methods and services NOT_FOUND, JSON that does not fit INVALID_ARGUMENT, bad names and wrong kinds refused", async () => {
    await using wm = new ReflectionClient(at(emulator.addresses.workmanager.port));
    const cases: [() => Promise<unknown>, Code, RegExp][] = [
      [
        () => wm.call("virtufin.WorkManager/NoSuchMethod"),
        Code.NotFound,
        /method "virtufin.WorkManager\/NoSuchMethod" not found.*virtufin.WorkManager/,
      ],
      [() => wm.call("acme.Nothing/Quote"), Code.NotFound, /not found/],
      [() => wm.listMethods("acme.Nothing"), Code.NotFound, /service "acme.Nothing" not found/],
      [
        () => wm.call("virtufin.WorkManager/CreateWorker", { topic: 42 }),
        Code.InvalidArgument,
        /does not fit virtufin.CreateWorkerRequest/,
      ],
      [() => wm.call("virtufin.WorkManager/CreateWorker", { noSuchField: "x" }), Code.InvalidArgument, /does not fit/],
      [() => wm.call("virtufin.WorkManager/DeleteWorker", "just a string"), Code.InvalidArgument, /does not fit/],
      [
        () => wm.call("virtufin.WorkManager/CreateWorker", { codeSource: { content: "YQ==", url: "http://example.com/x" } }),
        Code.InvalidArgument,
        /does not fit/,
      ],
      [() => wm.call("not a method"), Code.InvalidArgument, /is not a method name/],
      [() => wm.call("NoService"), Code.InvalidArgument, /is not a method name/],
      // The server's own refusal keeps its code.
      [() => wm.call("virtufin.WorkManager/DeleteWorker", { id: "no-such-worker" }), Code.NotFound, /./],
    ];
    for (const [attempt, code, message] of cases) {
      const error = await failure(attempt(), VirtufinError);
      expect([Code[error.code], error.rawMessage]).toEqual([Code[code], expect.stringMatching(message)]);
    }
    await using gw = new ReflectionClient(at(emulator.addresses.gateway.port));
    expect((await failure(gw.call("virtufin.Pubsub/Subscribe", { topic: "x" }), VirtufinError)).code).toBe(Code.InvalidArgument); // use stream()
    const unaryAsStream = await failure(
      (async () => {
        for await (const _ of gw.stream("virtufin.Gateway/ListServices")) void _;
      })(),
      VirtufinError,
    );
    expect(unaryAsStream.code).toBe(Code.InvalidArgument);
  });

  it("is not thenable, and shares a Connection it was given without closing it", async () => {
    const connection = new Connection(at(emulator.addresses.workmanager.port));
    const client = new ReflectionClient(connection);
    expect("then" in client).toBe(false);
    expect(await client).toBe(client); // eslint-disable-line @typescript-eslint/await-thenable -- the point: awaiting it must give it back
    expect(await client.listServices()).toEqual(["virtufin.WorkManager"]);
    await client.close();
    expect(connection.closed).toBe(false);
    await expect(client.listServices()).rejects.toMatchObject({ code: Code.Canceled });
    await connection.close();
  });
});

describe("against plain Connect servers", () => {
  // gRPC-Web from Node goes over HTTP/1.1, which these h2c servers do not speak: see the emulator test.
  for (const protocol of ["grpc", "connect"] as const) {
    it(`reflection v1 over ${protocol}: unary and server-streaming calls`, async () => {
      const server = await plainServer("v1");
      await using client = new ReflectionClient({ host: "127.0.0.1", port: server.port, protocol });
      expect(await client.listServices()).toEqual(["acme.pricing.v1.Pricing", "virtufin.Pubsub"]);
      expect(await client.call("acme.pricing.v1.Pricing/Quote", { symbol: "ETHUSDT", quantity: 2 })).toEqual({
        symbol: "ETHUSDT",
        unitPrice: 2500,
        total: 5000,
      });
      const ids: string[] = [];
      for await (const event of client.stream("virtufin.Pubsub/Subscribe", { topic: "p" }))
        ids.push((event as { messageId: string }).messageId);
      expect(ids).toEqual(["e1", "e2", "e3"]);
      // The server's own error, with its code.
      expect(
        (await failure(client.call("acme.pricing.v1.Pricing/Quote", { symbol: "NOPE", quantity: 1 }), VirtufinError)).code,
      ).toBe(Code.NotFound);
    });
  }

  it("falls back to reflection v1alpha when v1 is unimplemented", async () => {
    const server = await plainServer("v1alpha");
    const counter = reflectionCounter();
    await using client = new ReflectionClient({ host: "127.0.0.1", port: server.port, interceptors: [counter.interceptor] });
    expect(await client.call("Pricing/ListInstruments")).toEqual({ symbols: ["BTCUSDT", "ETHUSDT", "SOLUSDT"] });
    expect((await client.describeMethod("acme.pricing.v1.Pricing/Quote")).requestSchema).toMatchObject({
      properties: { symbol: { type: "string" } },
    });
    // v1 was tried once; every later question went straight to v1alpha.
    expect(counter.versions[0]).toBe("v1");
    expect(counter.versions.slice(1).every((v) => v === "v1alpha")).toBe(true);
    counter.versions.length = 0;
    await client.listServices();
    expect(counter.versions).toEqual(["v1alpha"]);
  });

  it("a target without reflection is a clear UNIMPLEMENTED error", async () => {
    const server = await plainServer("none");
    await using client = new ReflectionClient({ host: "127.0.0.1", port: server.port });
    for (const attempt of [
      client.listServices(),
      client.call("acme.pricing.v1.Pricing/Quote", { symbol: "BTCUSDT", quantity: 1 }),
    ]) {
      const error = await failure(attempt, VirtufinError);
      expect([Code[error.code], error.rawMessage]).toEqual([
        "Unimplemented",
        expect.stringMatching(
          /does not offer gRPC server reflection.*grpc\.reflection\.v1\.ServerReflection and grpc\.reflection\.v1alpha\.ServerReflection/,
        ),
      ]);
    }
  });

  it("caches descriptors per connection, and refreshes them when the server's set of services changes", async () => {
    const server = await plainServer("v1", false);
    const counter = reflectionCounter();
    await using client = new ReflectionClient({ host: "127.0.0.1", port: server.port, interceptors: [counter.interceptor] });
    await client.call("acme.pricing.v1.Pricing/ListInstruments");
    const afterFirst = counter.count();
    expect(afterFirst).toBeGreaterThanOrEqual(2); // list, then the files
    for (let i = 0; i < 5; i++) await client.call("acme.pricing.v1.Pricing/Quote", { symbol: "BTCUSDT", quantity: 1 });
    await client.describeMethod("acme.pricing.v1.Pricing/Quote");
    expect(counter.count()).toBe(afterFirst); // cached
    expect(await client.listServices()).toEqual(["acme.pricing.v1.Pricing"]);
    expect(counter.count()).toBe(afterFirst + 1); // listServices always asks; same set, cache kept
    await client.call("acme.pricing.v1.Pricing/Quote", { symbol: "BTCUSDT", quantity: 1 });
    expect(counter.count()).toBe(afterFirst + 1);

    // The server is redeployed on the same address with Pubsub too (and reflection v1alpha only).
    server.replaceRoutes(plainRoutes("v1alpha", true));
    expect(await client.listServices()).toEqual(["acme.pricing.v1.Pricing", "virtufin.Pubsub"]);
    const ids: string[] = [];
    for await (const event of client.stream("virtufin.Pubsub/Subscribe", { topic: "p" }))
      ids.push((event as { messageId: string }).messageId);
    expect(ids).toEqual(["e1", "e2", "e3"]);
    // A method not in the cache makes it ask once more (and only once) before NOT_FOUND.
    const before = counter.count();
    expect((await failure(client.call("virtufin.Pubsub/NoSuch"), VirtufinError)).code).toBe(Code.NotFound);
    expect(counter.count()).toBeGreaterThan(before);
  });
});
