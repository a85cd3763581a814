/**
 * The cluster of the kill test: one Redis (AOF, appendfsync always), N emulator replicas as
 * child processes on fixed ports, and the test's own TCP proxy in front of their Gateways. The
 * chaos loop SIGKILLs a replica, takes it out of the proxy, starts it again on the same ports
 * and puts it back, again and again; the Redis restart happens once, on request.
 */
import { startRedisServer, type RedisServer } from "../support/redis-server.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";
import { emulatorPorts, spawnReplica, type EmulatorPortSet, type ReplicaProcess } from "./replica-process.js";

/** One replica slot: its ports stay, its process changes with every restart. */
export interface ReplicaSlot {
  readonly id: string;
  readonly ports: EmulatorPortSet;
  process: ReplicaProcess | undefined;
  /** Every pid this slot has had (to check none is left running). */
  readonly pids: number[];
}

/** A running cluster. */
export interface Cluster {
  readonly redis: RedisServer;
  readonly proxy: TcpProxy;
  readonly slots: readonly ReplicaSlot[];
  /** SIGKILLs `slot`'s replica and starts it again; resolves once it is back in the proxy. */
  bounce(slot: ReplicaSlot): Promise<void>;
  /** Kills everything and removes Redis's folder. */
  stop(): Promise<void>;
}

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  readonly replicas: number;
  readonly claimIdleMs: number;
  /** Receives warnings and errors the replicas log. */
  readonly onLog?: (replica: string, line: string) => void;
}

/** Starts Redis, the replicas (in parallel) and the proxy. */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const redis = await startRedisServer({ aof: true });
  const slots: ReplicaSlot[] = [];
  for (let i = 0; i < options.replicas; i++)
    slots.push({ id: `replica-${i}`, ports: await emulatorPorts(), process: undefined, pids: [] });
  const launch = async (slot: ReplicaSlot) => {
    slot.process = await spawnReplica({
      ports: slot.ports,
      redisUrl: redis.url,
      replicaId: slot.id,
      claimIdleMs: options.claimIdleMs,
      onLog: (line) => options.onLog?.(slot.id, line),
    });
    slot.pids.push(slot.process.pid);
  };
  let proxy: TcpProxy | undefined;
  try {
    await Promise.all(slots.map(launch));
    proxy = await startTcpProxy(slots.map((s) => s.ports.gateway));
  } catch (err) {
    await Promise.allSettled(slots.map((s) => s.process?.kill() ?? Promise.resolve()));
    await redis.stop();
    throw err;
  }
  const running = proxy;
  return {
    redis,
    proxy: running,
    slots,
    async bounce(slot) {
      // A load balancer's health check takes the dead replica out at once.
      running.drop(slot.ports.gateway);
      await slot.process?.kill();
      slot.process = undefined;
      await launch(slot);
      running.restore(slot.ports.gateway);
    },
    async stop() {
      await running.close();
      await Promise.allSettled(slots.map((s) => s.process?.stop() ?? Promise.resolve()));
      await redis.stop();
    },
  };
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
