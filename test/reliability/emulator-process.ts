/**
 * The emulator as a child process (its CLI), so that a test can kill it outright with SIGKILL:
 * no graceful stop, no GOAWAY, the sockets simply die.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { freePorts } from "./helpers.js";

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
  /** SIGKILLs it and resolves once it has exited. */
  kill(): Promise<void>;
}

const CLI = new URL("../../emulator/cli.ts", import.meta.url).pathname;

/** Starts the emulator CLI on `ports` and resolves once it reports ready (or rejects after 20 s). */
export function spawnEmulator(ports: EmulatorPortSet): Promise<EmulatorProcess> {
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
  ];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return new Promise((resolve, reject) => {
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the emulator did not start in 20 s:\n${stderr}`));
    }, 20_000);
    child.stderr!.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes("ready")) {
        clearTimeout(timer);
        resolve({
          kill: async () => {
            child.kill("SIGKILL");
            await exited;
          },
        });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the emulator exited with ${code} before it was ready:\n${stderr}`));
    });
  });
}
