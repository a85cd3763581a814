/**
 * The systems the Redis benchmark compares, each as separate processes (so three replicas do
 * not share one event loop): a Redis server of its own, three emulator replicas on it, and one
 * in-memory emulator. Every process is killed by `stop()`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { freePort } from "../../test/support/free-ports.js";
import { startRedisServer, type RedisServer } from "../../test/support/redis-server.js";

const CLI = new URL("../../emulator/cli.ts", import.meta.url).pathname;

/** A running emulator process: its Gateway and WorkManager ports. */
export interface EmulatorProc {
  readonly gateway: number;
  readonly workmanager: number;
  stop(): Promise<void>;
}

/** Starts one emulator CLI process (`backend` "memory" or a redis:// URL). */
export async function spawnEmulator(backend: string, replicaId: string): Promise<EmulatorProc> {
  const gateway = await freePort();
  const workmanager = await freePort();
  const args = [
    "--import",
    "tsx",
    CLI,
    "--gateway-port",
    String(gateway),
    "--grpc-web-port",
    "0",
    "--workmanager-port",
    String(workmanager),
    "--websocketmanager-port",
    "0",
    "--backend",
    backend,
    "--replica-id",
    replicaId,
    "--log-level",
    "warn",
  ];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
  process.once("exit", () => child.kill("SIGKILL"));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let stderr = "";
    const timer = setTimeout(() => reject(new Error(`emulator ${replicaId} did not start:\n${stderr}`)), 60_000);
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes("ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => reject(new Error(`emulator ${replicaId} exited with ${code}:\n${stderr}`)));
  });
  return {
    gateway,
    workmanager,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Redis, three replicas on it and one in-memory emulator. */
export interface BenchSystems {
  readonly redis: RedisServer;
  readonly replicas: readonly EmulatorProc[];
  readonly memory: EmulatorProc;
  stop(): Promise<void>;
}

/** Starts every system of the comparison. */
export async function startSystems(): Promise<BenchSystems> {
  const redis = await startRedisServer();
  const started: EmulatorProc[] = [];
  try {
    for (let i = 0; i < 3; i++) started.push(await spawnEmulator(redis.url, `bench-${i}`));
    const memory = await spawnEmulator("memory", "bench-memory");
    const replicas = started.slice();
    started.push(memory);
    return {
      redis,
      replicas,
      memory,
      stop: async () => {
        await Promise.allSettled(started.map((p) => p.stop()));
        await redis.stop();
      },
    };
  } catch (err) {
    await Promise.allSettled(started.map((p) => p.stop()));
    await redis.stop();
    throw err;
  }
}
