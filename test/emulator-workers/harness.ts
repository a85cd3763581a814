/**
 * Test harness: the real in-memory backends, a service served by the emulator's server helper
 * on 127.0.0.1:0 (HTTP/2), and real Connect gRPC clients. Plus small helpers to watch topics.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import type { DescService } from "@bufbuild/protobuf";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import {
  createMemoryPubsubBackend,
  createMemoryStateBackend,
  type BusEvent,
  type PubsubBackend,
  type StateBackend,
} from "../../emulator/backend/index.js";
import { createLogger, type Logger } from "../../emulator/logger.js";
import { startGrpcServer, type RunningServer } from "../../emulator/server/index.js";
import { createWorkManagerService, type WorkManagerOptions } from "../../emulator/workmanager/index.js";
import { WorkManager } from "../../generated/virtufin/workmanager_pb.js";
import { createWebSocketManagerService, type WebSocketManagerOptions } from "../../emulator/websocketmanager/index.js";
import { WebSocketManager } from "../../generated/virtufin/websocketmanager_pb.js";

/** Backends and a logger for a test (log level from VIRTUFIN_TEST_LOG, default "warn"). */
export interface TestBackends {
  readonly pubsub: PubsubBackend;
  readonly state: StateBackend;
  readonly log: Logger;
}

/** Creates fresh in-memory backends. */
export function createBackends(): TestBackends {
  const level = (process.env["VIRTUFIN_TEST_LOG"] ?? "error") as "debug" | "info" | "warn" | "error";
  return {
    pubsub: createMemoryPubsubBackend(),
    state: createMemoryStateBackend(),
    log: createLogger({ level, component: "test" }),
  };
}

/** A served service and a client of it. */
export interface Served<S extends DescService> {
  /** The real Connect gRPC client. */
  readonly client: Client<S>;
  /** The server. */
  readonly server: RunningServer;
}

/** Serves `impl` on loopback port 0 and returns a gRPC client of it. */
export async function serve<S extends DescService>(desc: S, impl: object, log: Logger): Promise<Served<S>> {
  const server = await startGrpcServer({ services: [{ desc, impl }], port: 0, log, name: desc.name });
  const transport = createGrpcTransport({ baseUrl: server.url });
  return { client: createClient(desc, transport), server };
}

/** Collects every event published on a topic (fan-out subscription). */
export class TopicRecorder {
  /** The events seen so far. */
  readonly events: BusEvent[] = [];
  private readonly close: () => void;
  private readonly listeners = new Set<() => void>();

  /** Starts recording `topic`. */
  constructor(pubsub: PubsubBackend, topic: string) {
    const sub = pubsub.subscribe(topic, (event) => {
      this.events.push(event);
      for (const listener of this.listeners) listener();
    });
    this.close = () => sub.close();
  }

  /** Waits until `count` events matching `filter` were seen, or fails after `timeoutMs`. */
  async waitFor(count: number, timeoutMs = 10_000, filter: (event: BusEvent) => boolean = () => true): Promise<BusEvent[]> {
    const matching = () => this.events.filter(filter);
    if (matching().length >= count) return matching();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (matching().length >= count) {
          cleanup();
          resolve(matching());
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${count} event(s); saw ${matching().length}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
    });
  }

  /** Stops recording. */
  stop(): void {
    this.close();
  }
}

/** Publishes a JSON event on the bus. */
export function publishJson(
  pubsub: PubsubBackend,
  topic: string,
  data: unknown,
  metadata: Record<string, string> = {},
): Promise<BusEvent> {
  return pubsub.publish(topic, new TextEncoder().encode(JSON.stringify(data)), {
    "ce-type": "com.example.request",
    "ce-source": "urn:test",
    "ce-datacontenttype": "application/json",
    ...metadata,
  });
}

/** Decodes an event's JSON data. */
export function jsonOf(event: BusEvent): unknown {
  return JSON.parse(new TextDecoder().decode(event.data));
}

/**
 * Fails (never skips) when python3 is missing: the Python worker tests need a real interpreter.
 */
export function requirePython(): void {
  const probe = spawnSync("python3", ["--version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      "python3 is required by the WorkManager tests (Python workers run in a real python3). Install it: apt-get install python3",
    );
  }
}

/** Waits for `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A WorkManager served for a test, with its backends. */
export interface TestWorkManager extends TestBackends {
  /** The gRPC client. */
  readonly client: Client<typeof WorkManager>;
  /** Stops the server and the service; the backends stay usable (a restarted service may reuse them). */
  close(): Promise<void>;
}

/** Starts a WorkManager (small retry delays unless overridden) behind a real server. */
export async function startWorkManager(
  options: WorkManagerOptions = {},
  backends: TestBackends = createBackends(),
): Promise<TestWorkManager> {
  const service = createWorkManagerService(backends, { retryBaseDelayMs: 20, ...options });
  const { client, server } = await serve(WorkManager, service.impl, backends.log);
  return {
    ...backends,
    client,
    async close() {
      await server.close();
      await service.close();
    },
  };
}

/** Reads a fixture file as bytes. */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
}

/** A WebSocketManager served for a test, with its backends. */
export interface TestWebSocketManager extends TestBackends {
  /** The gRPC client. */
  readonly client: Client<typeof WebSocketManager>;
  /** Stops the server and the service; the backends stay usable (a restarted service may reuse them). */
  close(): Promise<void>;
}

/** Starts a WebSocketManager (reconnect base 50 ms unless overridden) behind a real server. */
export async function startWebSocketManager(
  options: WebSocketManagerOptions = {},
  backends: TestBackends = createBackends(),
): Promise<TestWebSocketManager> {
  const service = createWebSocketManagerService(backends, { reconnectBaseDelayMs: 50, instanceId: "test-instance", ...options });
  const { client, server } = await serve(WebSocketManager, service.impl, backends.log);
  return {
    ...backends,
    client,
    async close() {
      await server.close();
      await service.close();
    },
  };
}
