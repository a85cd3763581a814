/**
 * The emulator as a child process (its CLI), so that a test can kill it outright with SIGKILL (no
 * graceful stop, no GOAWAY: its sockets and its workers' pipes simply die) and start it again on
 * the same ports. Used by the reliability tests (one emulator killed and restarted) and the Redis
 * tests (replicas on a shared Redis).
 */
import { spawn } from "node:child_process";
import { freePorts } from "./free-ports.js";

/** The four ports of one emulator, kept across restarts. */
export interface EmulatorPortSet {
  readonly gateway: number;
  readonly grpcWeb: number;
  readonly workmanager: number;
  readonly websocketmanager: number;
}

/** Four free loopback ports for an emulator that must come back on the same ones. */
export async function emulatorPorts(): Promise<EmulatorPortSet> {
  const [gateway, grpcWeb, workmanager, websocketmanager] = await freePorts(4);
  return { gateway: gateway!, grpcWeb: grpcWeb!, workmanager: workmanager!, websocketmanager: websocketmanager! };
}

/** A running emulator process. */
export interface EmulatorProcess {
  /** Its process id. */
  readonly pid: number;
  /** SIGKILLs it and resolves once it has exited. */
  kill(): Promise<void>;
  /** Stops it with SIGTERM (graceful) and resolves once it has exited. */
  stop(): Promise<void>;
}

/** Options of {@link spawnEmulatorProcess}. */
export interface EmulatorProcessOptions {
  /** Where it listens. */
  readonly ports: EmulatorPortSet;
  /** More CLI arguments (e.g. `--backend redis://…`). */
  readonly args?: readonly string[];
  /** What errors call it (default "the emulator"). */
  readonly name?: string;
  /** How long it may take to report ready before it is killed (default 30 s: a loaded machine). */
  readonly startTimeoutMs?: number;
  /** Receives each line it writes to stderr (warnings and errors). */
  readonly onLog?: (line: string) => void;
}

const CLI = new URL("../../emulator/cli.ts", import.meta.url).pathname;

/** Starts the emulator CLI on `options.ports`; resolves once it reports ready, rejects if it exits or times out first. */
export function spawnEmulatorProcess(options: EmulatorProcessOptions): Promise<EmulatorProcess> {
  const { ports, name = "the emulator", startTimeoutMs = 30_000 } = options;
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
    "--dapr-port",
    "0",
    "--log-level",
    "warn",
    ...(options.args ?? []),
  ];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  // Never leave a process behind, even when a test fails before it stops it.
  const onExit = () => child.kill("SIGKILL");
  process.once("exit", onExit);
  void exited.then(() => process.off("exit", onExit));
  return new Promise((resolve, reject) => {
    let stderr = "";
    let ready = false;
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${name} did not start in ${startTimeoutMs} ms:\n${stderr}`));
    }, startTimeoutMs);
    child.stderr.on("data", (chunk: Buffer) => {
      const text = chunk.toString();
      if (!ready) stderr += text;
      for (const line of text.split("\n")) if (line.trim() !== "") options.onLog?.(line);
      if (!ready && stderr.includes("ready")) {
        ready = true;
        clearTimeout(timer);
        resolve({ pid: child.pid!, kill: () => end("SIGKILL"), stop: () => end("SIGTERM") });
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`${name} exited with ${code ?? signal} before it was ready:\n${stderr}`));
    });
  });
}
