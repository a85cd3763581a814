/**
 * An emulator replica as a child process (the CLI with --backend redis://...), so a test can
 * SIGKILL it: no graceful stop, its sockets and its workers' pipes simply die.
 */
import { spawnEmulatorProcess, type EmulatorPortSet, type EmulatorProcess } from "../support/emulator-process.js";

export { emulatorPorts, type EmulatorPortSet } from "../support/emulator-process.js";

/** A running replica process. */
export type ReplicaProcess = EmulatorProcess;

/** Options of {@link spawnReplica}. */
export interface ReplicaProcessOptions {
  readonly ports: EmulatorPortSet;
  readonly redisUrl: string;
  readonly replicaId: string;
  readonly claimIdleMs?: number;
  /** Receives each line the replica writes to stderr (warnings and errors). */
  readonly onLog?: (line: string) => void;
}

/** Starts the emulator CLI on a shared Redis; resolves once it reports ready (or rejects after 30 s). */
export function spawnReplica(options: ReplicaProcessOptions): Promise<ReplicaProcess> {
  return spawnEmulatorProcess({
    ports: options.ports,
    name: `replica ${options.replicaId}`,
    args: [
      "--backend",
      options.redisUrl,
      "--replica-id",
      options.replicaId,
      ...(options.claimIdleMs !== undefined ? ["--redis-claim-idle-ms", String(options.claimIdleMs)] : []),
    ],
    ...(options.onLog ? { onLog: options.onLog } : {}),
  });
}
