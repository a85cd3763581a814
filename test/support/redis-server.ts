/**
 * A real Redis for a test: Debian's `redis-server` on a free loopback port, in a temporary
 * folder of its own, never the machine's 6379, always killed (and its folder removed) by `stop()`.
 *
 * Redis cannot listen on port 0, so a free port is found by binding 127.0.0.1:0 and closing it;
 * should another process take it in between, the start is retried on a new port.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-ports.js";

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /** Append-only file with `appendfsync always` (every write on disk before it is answered). */
  readonly aof?: boolean;
}

/** A running redis-server of a test. */
export interface RedisServer {
  /** Its loopback port. */
  readonly port: number;
  /** `redis://127.0.0.1:<port>/0`. */
  readonly url: string;
  /** Its working directory (AOF and RDB files). */
  readonly dir: string;
  /** SIGKILLs the server (no save on exit) and waits for it to be gone; the folder stays. */
  kill(): Promise<void>;
  /** Starts it again on the same port and folder (after `kill`), reloading its AOF if any. */
  restart(): Promise<void>;
  /** Kills it and removes its folder. Idempotent. */
  stop(): Promise<void>;
}

const SERVER = "redis-server";

/** Fails with the install command when redis-server is missing (never a skipped test). */
function requireRedisServer(): void {
  if (spawnSync("sh", ["-c", `command -v ${SERVER}`]).status !== 0) {
    throw new Error("redis-server is not installed: run `apt-get install -y redis-server` (npm test's pretest does it as root)");
  }
}

/** Starts a redis-server; resolves once it accepts connections. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  requireRedisServer();
  const dir = mkdtempSync(join(tmpdir(), "virtufin-redis-"));
  let child: ChildProcess | undefined;
  let port = 0;
  let lastError: unknown;
  const args = (p: number) => [
    "--port",
    String(p),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--save",
    "",
    "--protected-mode",
    "yes",
    "--daemonize",
    "no",
    "--logfile",
    "",
    "--loglevel",
    "notice",
    "--appendonly",
    options.aof ? "yes" : "no",
    ...(options.aof ? ["--appendfsync", "always"] : []),
  ];
  const launch = async (p: number): Promise<ChildProcess> => {
    const proc = spawn(SERVER, args(p), { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
    return new Promise((resolve, reject) => {
      let output = "";
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        // Redis prints this once the listening socket is open.
        if (output.includes("Ready to accept connections")) {
          proc.stdout?.off("data", onData);
          proc.stdout?.resume();
          proc.stderr?.resume();
          clearTimeout(timer);
          resolve(proc);
        }
      };
      // The ready line is logged at notice level; read it from the startup banner instead of logs.
      proc.stdout?.on("data", onData);
      proc.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const timer = setTimeout(() => {
        proc.kill("SIGKILL");
        reject(new Error(`redis-server did not start in 10 s on port ${p}:\n${output}`));
      }, 10_000);
      proc.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code} on port ${p}:\n${output}`));
      });
    });
  };
  for (let attempt = 0; attempt < 5 && child === undefined; attempt++) {
    port = await freePort();
    try {
      child = await launch(port);
    } catch (err) {
      lastError = err; // most likely the port was taken between probe and bind: try another
    }
  }
  if (child === undefined) {
    rmSync(dir, { recursive: true, force: true });
    throw lastError instanceof Error ? lastError : new Error(String(lastError));
  }
  let running: ChildProcess | undefined = child;
  const kill = async () => {
    const proc = running;
    running = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    proc.kill("SIGKILL");
    await gone;
  };
  let stopped = false;
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    dir,
    kill,
    async restart() {
      await kill();
      // The port was ours a moment ago; retry a few times while the kernel releases it.
      let failure: unknown;
      for (let attempt = 0; attempt < 20; attempt++) {
        try {
          running = await launch(port);
          return;
        } catch (err) {
          failure = err;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      throw failure instanceof Error ? failure : new Error(String(failure));
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  // Never leave a server behind, even when a test fails before its stop().
  process.once("exit", () => running?.kill("SIGKILL"));
  return server;
}
