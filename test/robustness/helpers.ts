/**
 * Shared tools of the robustness tests: an in-process emulator with raw Connect clients of
 * every server, a check that every server is alive and answering, the emulator's child
 * processes, workers, and bounded waiting.
 */
import { readdirSync, readFileSync } from "node:fs";
import type { DescService } from "@bufbuild/protobuf";
import { createClient, type Client } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { expect } from "vitest";
import { startEmulator, type Emulator, type EmulatorOptions } from "../../emulator/index.js";
import { Health, HealthCheckResponse_ServingStatus } from "../../generated/grpc/health/v1/health_pb.js";
import { Config } from "../../generated/virtufin/config_pb.js";
import { Gateway } from "../../generated/virtufin/gateway_pb.js";
import { Pubsub } from "../../generated/virtufin/pubsub_pb.js";
import { State } from "../../generated/virtufin/state_pb.js";
import { WebSocketManager } from "../../generated/virtufin/websocketmanager_pb.js";
import { WorkManager } from "../../generated/virtufin/workmanager_pb.js";
import { ApiClient } from "../../platform/api-client.js";

/** Raw Connect clients of every service the emulator serves. */
export interface RawClients {
  /** Gateway over gRPC (HTTP/2). */
  readonly gateway: Client<typeof Gateway>;
  /** State over gRPC. */
  readonly state: Client<typeof State>;
  /** Pubsub over gRPC. */
  readonly pubsub: Client<typeof Pubsub>;
  /** Config over gRPC. */
  readonly config: Client<typeof Config>;
  /** WorkManager over gRPC, on its own server. */
  readonly workmanager: Client<typeof WorkManager>;
  /** WebSocketManager over gRPC, on its own server. */
  readonly websocketmanager: Client<typeof WebSocketManager>;
  /** State over Connect on the HTTP/1.1 (gRPC-Web) server. */
  readonly stateWeb: Client<typeof State>;
  /** Gateway over Connect on the HTTP/1.1 (gRPC-Web) server. */
  readonly gatewayWeb: Client<typeof Gateway>;
}

/** An emulator under test with its clients. */
export interface Rig {
  /** The emulator, in this process. */
  readonly emulator: Emulator;
  /** A platform client of its Gateway (retries off, so no failure is hidden). */
  readonly api: ApiClient;
  /** Raw Connect clients. */
  readonly raw: RawClients;
  /** Stops the client and the emulator. */
  close(): Promise<void>;
}

/** A gRPC client of `service` at `url`. */
export function grpcClient<S extends DescService>(service: S, url: string): Client<S> {
  return createClient(service, createGrpcTransport({ baseUrl: url }));
}

/** A Connect-protocol client over HTTP/1.1 (the browser-facing server). */
export function http1Client<S extends DescService>(service: S, url: string): Client<S> {
  return createClient(service, createConnectTransport({ baseUrl: url, httpVersion: "1.1" }));
}

/** Starts a quiet emulator on free loopback ports with clients of every server. */
export async function startRig(options: EmulatorOptions = {}): Promise<Rig> {
  const level = (process.env["VIRTUFIN_TEST_LOG"] ?? "error") as "debug" | "info" | "warn" | "error";
  const emulator = await startEmulator({ ports: 0, logLevel: level, ...options });
  const { gateway, grpcWeb, workmanager, websocketmanager } = emulator.addresses;
  const api = new ApiClient({ host: "127.0.0.1", port: gateway.port, retry: false });
  const raw: RawClients = {
    gateway: grpcClient(Gateway, gateway.url),
    state: grpcClient(State, gateway.url),
    pubsub: grpcClient(Pubsub, gateway.url),
    config: grpcClient(Config, gateway.url),
    workmanager: grpcClient(WorkManager, workmanager.url),
    websocketmanager: grpcClient(WebSocketManager, websocketmanager.url),
    stateWeb: http1Client(State, grpcWeb.url),
    gatewayWeb: http1Client(Gateway, grpcWeb.url),
  };
  return {
    emulator,
    api,
    raw,
    close: async () => {
      await api.close();
      await emulator.stop();
    },
  };
}

/**
 * Asserts that every server of the emulator is up: health SERVING on each (fresh connections,
 * so a poisoned shared session cannot hide a dead server) and a normal call succeeding on each.
 */
export async function expectServing(emulator: Emulator): Promise<void> {
  const { gateway, grpcWeb, workmanager, websocketmanager } = emulator.addresses;
  const checks = [
    grpcClient(Health, gateway.url).check({}, { timeoutMs: 5_000 }),
    http1Client(Health, grpcWeb.url).check({}, { timeoutMs: 5_000 }),
    grpcClient(Health, workmanager.url).check({}, { timeoutMs: 5_000 }),
    grpcClient(Health, websocketmanager.url).check({}, { timeoutMs: 5_000 }),
  ];
  for (const response of await Promise.all(checks)) expect(response.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
  const services = await grpcClient(Gateway, gateway.url).listServices({}, { timeoutMs: 5_000 });
  expect(services.services).toContain("workmanager");
  const web = await http1Client(Config, grpcWeb.url).listServices({}, { timeoutMs: 5_000 });
  expect(web.services.map((s) => s.name)).toContain("websocketmanager");
  await grpcClient(WorkManager, workmanager.url).listWorkers({}, { timeoutMs: 5_000 });
  await grpcClient(WebSocketManager, websocketmanager.url).list({}, { timeoutMs: 5_000 });
}

/**
 * The ids of the direct child processes of `pid` (Linux: `/proc/<pid>/task/<tid>/children`,
 * over every thread, since any thread may have spawned them).
 */
export function childPids(pid = process.pid): number[] {
  const out: number[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim();
      if (text !== "") out.push(...text.split(/\s+/).map(Number));
    } catch {
      // The thread ended between listing and reading.
    }
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

/** The ids of every process on the machine with `argument` among its arguments (Linux /proc). */
export function processesWithArgument(argument: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (args.includes(argument)) out.push(Number(entry));
    } catch {
      // The process ended while the list was read.
    }
  }
  return out;
}

/** Waits until `check` is true, polling every 20 ms for at most `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** Waits for `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The MIME types of the two worker languages. */
export const PYTHON = "text/x-python";
/** JavaScript workers. */
export const JAVASCRIPT = "text/javascript";

/** A healthy echo worker's code in each language: replies `{ echo: data, pid }`. */
export const ECHO_CODE: Readonly<Record<string, string>> = {
  [PYTHON]:
    "import os\ndef Process(event):\n    return {'type': 'echo', 'source': 'echo-py', 'data': {'echo': event.get('data'), 'pid': os.getpid()}}\n",
  [JAVASCRIPT]:
    "function Process(event) { return { type: 'echo', source: 'echo-js', data: { echo: event.data, pid: process.pid } }; }",
};

/** Creates and starts a worker through the WorkManager's gRPC API; returns its id. */
export async function runWorker(rig: Rig, code: string, mimeType: string, topic: string): Promise<string> {
  const value = new TextEncoder().encode(code);
  const { id } = await rig.raw.workmanager.createWorker({ codeSource: { source: { case: "content", value } }, mimeType, topic });
  await rig.raw.workmanager.startWorker({ id });
  return id;
}

/** A request-reply round trip through the Gateway (publish, reply on a fresh topic); the reply's data, JSON-decoded when JSON. */
export async function roundTrip(api: ApiClient, topic: string, data: unknown, timeoutMs = 10_000): Promise<unknown> {
  const reply = await api.pubsub.publishWithResult({
    topic,
    data: data as never,
    replyTopic: `reply-${crypto.randomUUID()}`,
    timeoutMs,
  });
  const text = new TextDecoder().decode(reply.data);
  // Workers send string data as text/plain, objects as JSON.
  return reply.metadata["ce-datacontenttype"] === "application/json" ? JSON.parse(text) : text;
}
