/**
 * An emulator replica as a child process (the CLI with --backend redis://...), so a test can
 * SIGKILL it: no graceful stop, its sockets and its workers' pipes simply die.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { emulatorPorts, type EmulatorPortSet } from "../reliability/emulator-process.js";

export { emulatorPorts, type EmulatorPortSet };

/** A running replica process. */
export interface ReplicaProcess {
  /** Its process id. */
  readonly pid: number;
  /** SIGKILLs it and resolves once it has exited. */
  kill(): Promise<void>;
  /** Stops it with SIGTERM (graceful) and resolves once it has exited. */
  stop(): Promise<void>;
}

const CLI = new URL("../../emulator/cli.ts", import.meta.url).pathname;

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
  const { ports } = options;
  const args = [
    "--import",
    "tsx",
    CLI,
    "--gateway-port",
    String(ports.gateway),
    "--grpc-web-port",
    String(ports.grpcWeb),
    "--workmanager-port",
    String(ports.workmanager),
    "--websocketmanager-port",
    String(ports.websocketmanager),
    "--backend",
    options.redisUrl,
    "--replica-id",
    options.replicaId,
    "--log-level",
    "warn",
    ...(options.claimIdleMs !== undefined ? ["--redis-claim-idle-ms", String(options.claimIdleMs)] : []),
  ];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  // Never leave a replica behind, even when a test fails before it stops it.
  const onExit = () => child.kill("SIGKILL");
  process.once("exit", onExit);
  void exited.then(() => process.off("exit", onExit));
  return new Promise((resolve, reject) => {
    let stderr = "";
    let ready = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`replica ${options.replicaId} did not start in 30 s:\n${stderr}`));
    }, 30_000);
    child.stderr!.on("data", (chunk: Buffer) => {
      const text = chunk.toString();
      if (!ready) stderr += text;
      for (const line of text.split("\n")) if (line.trim() !== "") options.onLog?.(line);
      if (!ready && stderr.includes("ready")) {
        ready = true;
        clearTimeout(timer);
        resolve({ pid: child.pid!, kill: () => end("SIGKILL"), stop: () => end("SIGTERM") });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`replica ${options.replicaId} exited with ${code} before it was ready:\n${stderr}`));
    });
  });
}
