// Item 10: with api keys configured, every RPC of every server (each method of each service
// descriptor, unary and streaming, over every protocol the server speaks) is UNAUTHENTICATED
// without the key or with a wrong one, passes auth with it, and health stays open. Along the way
// no key shows in any error (deeply walked), in util.inspect of any client, or in the emulator's
// debug log.
import { randomUUID } from "node:crypto";
import type {
  DescMethod,
  DescMethodBiDiStreaming,
  DescMethodClientStreaming,
  DescMethodServerStreaming,
  DescMethodUnary,
  DescService,
} from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus } from "../../generated/grpc/health/v1/health_pb.js";
import { Config } from "../../generated/virtufin/config_pb.js";
import { Gateway } from "../../generated/virtufin/gateway_pb.js";
import { Pubsub } from "../../generated/virtufin/pubsub_pb.js";
import { State } from "../../generated/virtufin/state_pb.js";
import { StateClient } from "../../generated/virtufin/state_client.js";
import { WebSocketManager } from "../../generated/virtufin/websocketmanager_pb.js";
import { WorkManager } from "../../generated/virtufin/workmanager_pb.js";
import { createLogger, startEmulator, type Emulator } from "../../emulator/index.js";
import { ApiClient } from "../../platform/api-client.js";
import { createClientCore } from "../../runtime/client-core.js";
import { bidiStream, clientStream } from "../../runtime/streaming-calls.js";
import { Connection, type Protocol } from "../../runtime/connection.js";
import { Code, VirtufinError } from "../../runtime/errors.js";
import { installNetworkJail, type NetworkJail } from "./network-jail.js";
import { leaks } from "./secrets.js";

const KEY = `k-right-${randomUUID()}`;
const OTHER_KEY = `k-other-${randomUUID()}`;
const WRONG = `k-wrong-${randomUUID()}`;
// Near misses of the right key: a prefix, an extension, another case. Header values are trimmed
// by HTTP itself, so padding with spaces is not a different key and is not tried.
const NEAR_MISSES = [KEY.slice(0, -1), `${KEY}x`, KEY.toUpperCase(), `${KEY},${KEY}`];
const SECRETS = [KEY, OTHER_KEY, WRONG, ...NEAR_MISSES, KEY.slice(-12), WRONG.slice(-12)];

const logLines: string[] = [];
let emulator: Emulator;

// Loopback only, enforced: any other connect of this process would be diverted and recorded.
const jail: NetworkJail = installNetworkJail();
beforeAll(async () => {
  emulator = await startEmulator({
    ports: 0,
    apiKeys: { ci: KEY, other: OTHER_KEY },
    logger: createLogger({ level: "debug", write: (line) => void logLines.push(line) }),
  });
});
afterAll(() => {
  jail.uninstall();
  expect(jail.violations).toEqual([]);
});
afterAll(() => emulator?.stop());

/** A server, the protocol spoken to it, and the services it hosts. */
interface Target {
  readonly name: string;
  readonly port: () => number;
  readonly protocol: Protocol;
  readonly services: readonly DescService[];
}

const API = [Gateway, State, Pubsub, Config] as const;
const TARGETS: readonly Target[] = [
  { name: "gateway/grpc", port: () => emulator.addresses.gateway.port, protocol: "grpc", services: API },
  { name: "gateway/connect", port: () => emulator.addresses.gateway.port, protocol: "connect", services: API },
  { name: "grpc-web/http1", port: () => emulator.addresses.grpcWeb.port, protocol: "grpc-web", services: API },
  { name: "workmanager/grpc", port: () => emulator.addresses.workmanager.port, protocol: "grpc", services: [WorkManager] },
  {
    name: "websocketmanager/grpc",
    port: () => emulator.addresses.websocketmanager.port,
    protocol: "grpc",
    services: [WebSocketManager],
  },
];

/** "OK" or the code name of the failure, and the failure itself. */
interface Outcome {
  readonly code: string;
  readonly error?: unknown;
}

/**
 * Calls `method` with an empty request. Streams are read up to their first message within a
 * short deadline: an authorised stream that stays open ends as DEADLINE_EXCEEDED, which is fine.
 */
async function call(connection: Connection, service: DescService, method: DescMethod): Promise<Outcome> {
  const core = createClientCore(service, connection);
  try {
    switch (method.methodKind) {
      case "unary":
        await core.unary(method as DescMethodUnary, {}, { timeoutMs: 5_000 });
        break;
      case "server_streaming":
        for await (const _ of core.serverStream(method as DescMethodServerStreaming, {}, { timeoutMs: 400 })) break;
        break;
      case "client_streaming":
        await clientStream(core, method as DescMethodClientStreaming, (async function* () {})(), { timeoutMs: 400 });
        break;
      case "bidi_streaming":
        for await (const _ of bidiStream(core, method as DescMethodBiDiStreaming, (async function* () {})(), { timeoutMs: 400 }))
          break;
        break;
    }
    return { code: "OK" };
  } catch (error) {
    return { code: error instanceof VirtufinError ? Code[error.code] : `not a VirtufinError: ${String(error)}`, error };
  }
}

/** Every method of every service of a target, called with `apiKey` (or none); `method → outcome`. */
async function callAll(target: Target, apiKey: string | undefined): Promise<Map<string, Outcome>> {
  const connection = new Connection({
    host: "127.0.0.1",
    port: target.port(),
    protocol: target.protocol,
    retry: false,
    ...(apiKey === undefined ? {} : { apiKey }),
  });
  try {
    const entries = await Promise.all(
      target.services.flatMap((service) =>
        service.methods.map(
          async (method) => [`${service.typeName}/${method.name}`, await call(connection, service, method)] as const,
        ),
      ),
    );
    return new Map(entries);
  } finally {
    await connection.close();
  }
}

const errorsSeen: unknown[] = [];
/** Tallies of what was tried, printed at the end for the README table. */
const tally = { rejected: 0, passed: 0, health: 0 };

describe.each(TARGETS)("$name", (target) => {
  const methodCount = target.services.reduce((n, s) => n + s.methods.length, 0);

  it.each([
    ["no key", undefined],
    ["a wrong key", WRONG],
  ] as const)("every RPC with %s is UNAUTHENTICATED", async (_label, apiKey) => {
    const outcomes = await callAll(target, apiKey);
    expect(outcomes.size).toBe(methodCount);
    for (const [method, outcome] of outcomes) {
      expect(outcome.code, `${target.name} ${method}`).toBe("Unauthenticated");
      errorsSeen.push(outcome.error);
      tally.rejected++;
    }
  });

  it("every RPC with the right key passes auth (any other outcome is the method's own)", async () => {
    for (const key of [KEY, OTHER_KEY]) {
      const outcomes = await callAll(target, key);
      expect(outcomes.size).toBe(methodCount);
      for (const [method, outcome] of outcomes) {
        expect(outcome.code, `${target.name} ${method}`).not.toBe("Unauthenticated");
        expect(outcome.code, `${target.name} ${method}`).not.toMatch(/^not a VirtufinError/);
        if (outcome.error !== undefined) errorsSeen.push(outcome.error);
        tally.passed++;
      }
    }
  });

  it("health stays open without a key (Check and Watch)", async () => {
    await using connection = new Connection({ host: "127.0.0.1", port: target.port(), protocol: target.protocol, retry: false });
    const health = createClientCore(Health, connection);
    const checked = await health.unary(Health.method.check, { service: "" }, { timeoutMs: 5_000 });
    expect(checked.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    for (const service of target.services) {
      expect((await health.unary(Health.method.check, { service: service.typeName }, { timeoutMs: 5_000 })).status).toBe(
        HealthCheckResponse_ServingStatus.SERVING,
      );
    }
    for await (const first of health.serverStream(Health.method.watch, { service: "" }, { timeoutMs: 5_000 })) {
      expect(first.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
      break;
    }
    tally.health += target.services.length + 2;
  });
});

describe("near misses of the right key", () => {
  it("a prefix, an extension, another case or the key twice are UNAUTHENTICATED on every server", async () => {
    for (const target of TARGETS.filter((t) => t.protocol !== "connect")) {
      for (const wrong of NEAR_MISSES) {
        await using connection = new Connection({
          host: "127.0.0.1",
          port: target.port(),
          protocol: target.protocol,
          retry: false,
          apiKey: wrong,
        });
        const service = target.services[0]!;
        const unary = service.methods.find((m) => m.methodKind === "unary")!;
        const outcome = await call(connection, service, unary);
        expect(outcome.code, `${target.name} ${wrong === KEY.toUpperCase() ? "upper case" : "near miss"}`).toBe(
          "Unauthenticated",
        );
        errorsSeen.push(outcome.error);
        tally.rejected++;
      }
    }
  });

  it("the key as a bearer token instead of x-api-key is UNAUTHENTICATED", async () => {
    await using connection = new Connection({
      host: "127.0.0.1",
      port: emulator.addresses.gateway.port,
      retry: false,
      token: KEY,
    });
    const outcome = await call(connection, State, State.method.getState);
    expect(outcome.code).toBe("Unauthenticated");
    errorsSeen.push(outcome.error);
    tally.rejected++;
  });
});

describe("rejected calls do nothing", () => {
  it("a 5 MiB request without a key is cut at the 4 MiB cap on every protocol (never buffered whole)", async () => {
    for (const target of TARGETS.filter((t) => t.services.includes(State))) {
      await using connection = new Connection({
        host: "127.0.0.1",
        port: target.port(),
        protocol: target.protocol,
        retry: false,
      });
      const error = await createClientCore(State, connection)
        .unary(State.method.saveState, { service: "auth", key: "big", value: "x".repeat(5 * 1024 * 1024) })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect([target.name, Code[(error as VirtufinError).code]]).toEqual([target.name, "ResourceExhausted"]);
      errorsSeen.push(error);
      tally.rejected++;
    }
  });

  it("a SaveState or PublishEvent without the key changes no state and delivers no event", async () => {
    const delivered: unknown[] = [];
    const subscription = emulator.pubsub.subscribe("auth-probe", (event) => void delivered.push(event));
    try {
      await using anonymous = new Connection({
        host: "127.0.0.1",
        port: emulator.addresses.gateway.port,
        retry: false,
        apiKey: WRONG,
      });
      const state = createClientCore(State, anonymous);
      const pubsub = createClientCore(Pubsub, anonymous);
      const saved = await state.unary(State.method.saveState, { service: "auth", key: "k", value: "v" }).catch((e: unknown) => e);
      const published = await pubsub
        .unary(Pubsub.method.publishEvent, { topic: "auth-probe", data: new Uint8Array([1]) })
        .catch((e: unknown) => e);
      expect((saved as VirtufinError).code).toBe(Code.Unauthenticated);
      expect((published as VirtufinError).code).toBe(Code.Unauthenticated);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await emulator.state.get("auth", "k")).toBeUndefined();
      expect(delivered).toEqual([]);
    } finally {
      subscription.close();
    }
  });
});

describe("the key never shows", () => {
  it("in util.inspect, String or JSON of a direct client, a Connection and an ApiClient, before and after calls", async () => {
    const port = emulator.addresses.gateway.port;
    const direct = new StateClient({ host: "127.0.0.1", port, apiKey: KEY, token: WRONG });
    const connection = new Connection({ host: "127.0.0.1", port, apiKey: KEY });
    const api = new ApiClient({ host: "127.0.0.1", port, apiKey: KEY });
    const clients = { direct, connection, api };
    for (const [name, client] of Object.entries(clients)) expect(leaks(client, SECRETS), `fresh ${name}`).toEqual([]);
    await direct.saveState("svc", "k", "v");
    await new StateClient(connection).getState("svc", "k");
    await api.state.get("svc", "k");
    await api.listServices();
    for (const [name, client] of Object.entries(clients)) expect(leaks(client, SECRETS), `used ${name}`).toEqual([]);
    await direct.close();
    await connection.close();
    await api.close();
    for (const [name, client] of Object.entries(clients)) expect(leaks(client, SECRETS), `closed ${name}`).toEqual([]);
  });

  it("in any thrown error: message, properties, cause, metadata, stack (walked deeply)", () => {
    // At least one error per rejected call and per failing authorised call above.
    expect(errorsSeen.length).toBeGreaterThan(200);
    for (const error of errorsSeen) {
      expect(error).toBeInstanceOf(VirtufinError);
      expect(leaks(error, SECRETS)).toEqual([]);
    }
  });

  it("in the emulator's debug log, which does record the rejections and the key names", () => {
    const log = logLines.join("\n");
    expect(log).toContain("call without api key rejected");
    expect(log).toContain("call with unknown api key rejected");
    expect(log).toContain("apiKey=ci");
    expect(leaks(log, SECRETS)).toEqual([]);
    // The numbers behind the README table.
    console.log(
      `auth: ${tally.rejected} calls rejected, ${tally.passed} passed auth, ${tally.health} health checks open, ${errorsSeen.length} errors and ${logLines.length} log lines searched`,
    );
  });
});
