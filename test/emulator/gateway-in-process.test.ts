// The Gateway's hop to a server its own process hosts (emulator/gateway/in-process-transport.ts):
// the emulator's WorkManager and WebSocketManager are reached without a connection — the
// process's network jail records every TCP connect, and none goes to their ports — while a TLS
// emulator's Gateway still connects to them. What users see stays the same: the same spans with
// the same attributes as over the network, the backend's api-key check on the hop, deadlines
// carried to the backend, the Gateway's response size cap, and UNAVAILABLE once the backend
// server is closed.
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createLogger,
  createMemoryPubsubBackend,
  createMemoryStateBackend,
  startEmulator,
  type Emulator,
} from "../../emulator/index.js";
import { Backends, createGatewayService } from "../../emulator/gateway/index.js";
import { startGrpcServer, type RunningServer } from "../../emulator/server/index.js";
import { Gateway } from "../../generated/virtufin/gateway_pb.js";
import { WorkManagerGatewayProxy } from "../../generated/virtufin/workmanager_client.js";
import { ApiClient } from "../../platform/api-client.js";
import { makeTestPki, type TestPki } from "../security/certs.js";
import { installNetworkJail, type NetworkJail } from "../security/network-jail.js";
import { chain, createOtel, type Otel } from "../telemetry/otel.js";
import { grpcClient } from "./helpers.js";

const KEY = "in-process-hop-key-5b1c";
const jail: NetworkJail = installNetworkJail();
let otel: Otel;
let pki: TestPki;
let plain: Emulator;
let tls: Emulator;

beforeAll(async () => {
  otel = createOtel();
  pki = makeTestPki();
  const common = {
    ports: 0,
    uiPort: false,
    logLevel: "silent",
    apiKeys: { ci: KEY },
    tracerProvider: otel.tracerProvider,
  } as const;
  plain = await startEmulator(common);
  tls = await startEmulator({ ...common, tls: { cert: pki.server.cert, key: pki.server.key } });
}, 30_000);

afterAll(() => {
  jail.uninstall();
  expect(jail.violations).toEqual([]);
});
afterAll(async () => {
  await plain?.stop();
  await tls?.stop();
  await otel?.close();
  pki?.remove();
});

/** How many TCP connects this process made to `port` since `from` (an index into the jail's record). */
const connectsTo = (port: number, from = 0) => jail.targets.slice(from).filter((target) => target.endsWith(`:${port}`)).length;

/** A typed proxy call through `emulator`'s Gateway, then the spans of its hop: [Gateway client span, WorkManager server span]. */
async function proxiedHop(emulator: Emulator, api: ApiClient): Promise<ReadableSpan[]> {
  expect(await new WorkManagerGatewayProxy(api).listWorkers()).toEqual([]);
  const roots = otel
    .spans()
    .filter((s) => s.name === "virtufin.Gateway/InvokeJson" && s.kind === SpanKind.CLIENT)
    .filter((s) => s.attributes["server.port"] === emulator.addresses.gateway.port);
  const root = roots[roots.length - 1]!;
  const found = await otel.waitFor((spans) =>
    chain(spans, root, [
      ["virtufin.Gateway/InvokeJson", SpanKind.SERVER],
      ["virtufin.WorkManager/ListWorkers", SpanKind.CLIENT],
      ["virtufin.WorkManager/ListWorkers", SpanKind.SERVER],
    ]),
  );
  return found.slice(2);
}

describe("the emulator's own backends", () => {
  it("are reached in process: no connection to the WorkManager or WebSocketManager port", async () => {
    const { gateway, workmanager, websocketmanager } = plain.addresses;
    const from = jail.targets.length;
    await using api = new ApiClient({ host: "127.0.0.1", port: gateway.port, apiKey: KEY });
    for (let i = 0; i < 20; i++) expect(await new WorkManagerGatewayProxy(api).listWorkers()).toEqual([]);
    expect(await api.invoke("websocketmanager", "List", {})).toEqual({});
    expect(connectsTo(gateway.port, from)).toBeGreaterThan(0);
    expect(connectsTo(workmanager.port, from)).toBe(0);
    expect(connectsTo(websocketmanager.port, from)).toBe(0);
  });

  it("are reached over the network (TLS, certificates checked) when the emulator serves TLS", async () => {
    const { gateway, workmanager } = tls.addresses;
    const from = jail.targets.length;
    await using api = new ApiClient({ host: "127.0.0.1", port: gateway.port, apiKey: KEY, tls: { ca: pki.serverCa } });
    expect(await new WorkManagerGatewayProxy(api).listWorkers()).toEqual([]);
    expect(connectsTo(workmanager.port, from)).toBeGreaterThan(0);
  });

  it("give the same hop spans, with the same attributes, as over the network", async () => {
    await using inProcess = new ApiClient({
      host: "127.0.0.1",
      port: plain.addresses.gateway.port,
      apiKey: KEY,
      telemetry: { tracerProvider: otel.tracerProvider },
    });
    await using network = new ApiClient({
      host: "127.0.0.1",
      port: tls.addresses.gateway.port,
      apiKey: KEY,
      tls: { ca: pki.serverCa },
      telemetry: { tracerProvider: otel.tracerProvider },
    });
    const local = await proxiedHop(plain, inProcess);
    const remote = await proxiedHop(tls, network);
    const port = (emulator: Emulator) => ({ "server.port": emulator.addresses.workmanager.port });
    for (const [i, span] of local.entries()) {
      const other = remote[i]!;
      expect(span.status).toEqual(other.status);
      expect(span.attributes).toEqual({ ...other.attributes, ...port(plain) });
      expect(other.attributes).toMatchObject(port(tls));
      expect(span.attributes["server.address"]).toBe("127.0.0.1");
    }
    expect(local.map((s) => s.status.code)).toEqual([SpanStatusCode.UNSET, SpanStatusCode.UNSET]);
  });
});

/** A Gateway of its own over one backend server reached in process (as the emulator wires its own). */
async function gatewayOver(backend: RunningServer, apiKeys: Record<string, string>) {
  const stopping = new AbortController();
  const log = createLogger({ level: "silent" });
  const pool = new Backends([{ name: "b", host: backend.host, port: backend.port }], { inProcess: { b: backend.inProcess } });
  const ctx = { pubsub: createMemoryPubsubBackend(), state: createMemoryStateBackend(), log, stopping: stopping.signal };
  const server = await startGrpcServer({
    port: 0,
    apiKeys,
    services: [{ desc: Gateway, impl: createGatewayService(ctx, pool) }],
  });
  return {
    client: grpcClient(Gateway, server.url),
    async close() {
      stopping.abort();
      await server.close();
      pool.close();
      await ctx.pubsub.close();
    },
  };
}

describe("a backend server in the Gateway's process", () => {
  // The backend serves virtufin.Gateway's ListServices (any unary method would do): it can be
  // slow, or answer more than the Gateway reads.
  let mode: "ok" | "slow" | "huge" = "ok";
  const seen: { timeoutMs?: number; aborted?: Promise<void> }[] = [];
  let backend: RunningServer;
  let gateway: Awaited<ReturnType<typeof gatewayOver>>;
  const call = (headers: Record<string, string> = { "x-api-key": "shared-key" }, timeoutMs?: number) =>
    gateway.client.invokeJson({ service: "b", method: "ListServices", requestData: "{}" }, { headers, timeoutMs });

  beforeAll(async () => {
    backend = await startGrpcServer({
      port: 0,
      apiKeys: { shared: "shared-key" },
      services: [
        {
          desc: Gateway,
          impl: {
            async listServices(_req: unknown, ctx: { timeoutMs(): number | undefined; signal: AbortSignal }) {
              if (mode === "huge") return { services: ["x".repeat(5 * 1024 * 1024)] };
              if (mode === "slow") {
                const aborted = new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
                seen.push({ timeoutMs: ctx.timeoutMs(), aborted });
                await aborted;
              }
              return { services: ["from-backend"] };
            },
          },
        },
      ],
    });
    gateway = await gatewayOver(backend, { gateway: "gateway-key", shared: "shared-key" });
  });
  afterAll(async () => {
    await gateway?.close();
    await backend?.close();
  });

  it("answers without a connection to the backend's port", async () => {
    const from = jail.targets.length;
    const answer = await call();
    expect(answer).toMatchObject({ success: true, status: "OK", responseData: '{"services":["from-backend"]}' });
    expect(connectsTo(backend.port, from)).toBe(0);
  });

  it("checks the forwarded api key on the hop: a key the Gateway accepts but the backend does not is UNAUTHENTICATED", async () => {
    expect(await call({ "x-api-key": "gateway-key" })).toMatchObject({
      success: false,
      status: "UNAUTHENTICATED",
      message: "invalid x-api-key",
    });
  });

  it("carries the deadline to the backend, whose call is cancelled when it passes", async () => {
    mode = "slow";
    try {
      const started = Date.now();
      const failure = await call(undefined, 600).then(
        (answer) => answer.status,
        (err: unknown) => Code[ConnectError.from(err).code],
      );
      // The hop's deadline and the caller's run out together; either reports it.
      expect(["DEADLINE_EXCEEDED", "DeadlineExceeded"]).toContain(failure);
      expect(Date.now() - started).toBeLessThan(5_000);
      const [hop] = seen.splice(0);
      expect(hop?.timeoutMs).toBeGreaterThan(0);
      expect(hop?.timeoutMs).toBeLessThanOrEqual(600);
      await hop?.aborted;
    } finally {
      mode = "ok";
    }
  });

  it("reads at most 4 MiB of a backend's answer: more is RESOURCE_EXHAUSTED", async () => {
    mode = "huge";
    try {
      expect(await call()).toMatchObject({ success: false, status: "RESOURCE_EXHAUSTED" });
    } finally {
      mode = "ok";
    }
  });

  it("is UNAVAILABLE once the backend server is closed, as its closed port would be", async () => {
    expect((await call()).success).toBe(true);
    await backend.close();
    const from = jail.targets.length;
    expect(await call()).toMatchObject({ success: false, status: "UNAVAILABLE" });
    // Reflection is asked again (the cache is dropped on UNAVAILABLE), and fails the same way.
    expect(await call()).toMatchObject({ success: false, status: "UNAVAILABLE" });
    expect(connectsTo(backend.port, from)).toBe(0);
  });
});

describe("startGrpcServer", () => {
  it("offers no in-process route over TLS, whose certificates only a connection checks", async () => {
    const secure = await startGrpcServer({ port: 0, services: [], tls: { cert: pki.server.cert, key: pki.server.key } });
    try {
      expect(secure.inProcess).toBeUndefined();
    } finally {
      await secure.close();
    }
  });
});
