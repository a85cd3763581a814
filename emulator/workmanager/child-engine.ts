/**
 * The emulator side of a worker's host process (hosts/python-host.py, hosts/node-host.mjs):
 * starts it with a scrubbed environment, speaks the line-delimited JSON protocol over fd 3,
 * enforces the per-message time limit, and restarts the process when it has died.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { tmpdir } from "node:os";
import type { Readable, Duplex } from "node:stream";
import type { Logger } from "../logger.js";
import type { SpawnSpec } from "./engines.js";
import { readLines } from "./line-reader.js";
import { watchMemory } from "./memory-watch.js";
import { Mutex } from "./mutex.js";
import { backoffDelay } from "@virtufin/sdk/internal";

/** A failure of user code or of its process: retried, then dead-lettered. */
export class WorkerError extends Error {
  /** Creates the error; `type` is e.g. the Python exception class name or "TimeoutError". */
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = "WorkerError";
  }
}

/** The engine's executable could not be started (e.g. python3 is not installed). */
export class EngineUnavailableError extends Error {
  /** Creates the error with a message saying how to fix it. */
  constructor(message: string) {
    super(message);
    this.name = "EngineUnavailableError";
  }
}

/** How to run one worker's host process. */
export interface ChildEngineConfig {
  /** The command line. */
  readonly spawn: SpawnSpec;
  /** The complete environment of the child (already scrubbed by the caller). */
  readonly env: Readonly<Record<string, string>>;
  /** Time limit for starting the process and loading code. */
  readonly startTimeoutMs: number;
  /** Where the worker's own output and process events are logged. */
  readonly log: Logger;
  /** Resident memory above which the process is killed (Linux; undefined: not watched). */
  readonly residentLimitBytes?: number;
}

interface Waiter {
  resolve(message: HostMessage): void;
  reject(error: Error): void;
}

interface HostMessage {
  readonly op: string;
  readonly id?: number;
  readonly result?: unknown;
  readonly error?: { readonly type?: string; readonly message?: string; readonly traceback?: string };
}

interface Running {
  readonly child: ChildProcess;
  readonly channel: Duplex;
  /** Replies awaited, by key ("ready", "loaded" or the process request id). */
  readonly waiters: Map<string, Waiter>;
  exited: boolean;
}

const MAX_LOGGED_LINE = 2_000;
/**
 * The longest protocol line accepted from a host (a result is one line). Four times the 4 MiB
 * message limit, so any result the platform could carry fits; a longer line means the host (or
 * user code writing to its descriptor) broke the protocol, and the process is killed.
 */
const MAX_PROTOCOL_LINE = 16 * 1024 * 1024;
/** Restarts after an unexpected exit happen at once (backing off) this many times in a row. */
const MAX_EAGER_RESTARTS = 5;
const RESTART_BASE_DELAY_MS = 100;

/** One worker's host process, (re)started on demand. */
export class ChildEngine {
  private running: Running | undefined;
  private code: string | undefined;
  private readonly lock = new Mutex();
  private nextId = 1;
  private disposed = false;
  private starts = 0;
  private crashes = 0;
  private restartTimer: NodeJS.Timeout | undefined;

  /** Creates the engine; no process runs until the first `load`. */
  constructor(private readonly config: ChildEngineConfig) {}

  /** The host process id, when one runs (for diagnostics and tests). */
  get pid(): number | undefined {
    return this.running?.child.pid;
  }

  /** How many times a host process was started. */
  get startCount(): number {
    return this.starts;
  }

  /**
   * Loads (or hot-reloads) code. Throws WorkerError when the code fails to load (the previous
   * code, if any, stays active) and EngineUnavailableError when the process cannot start.
   */
  async load(code: string): Promise<void> {
    await this.lock.run(async () => {
      const running = await this.ensureStarted();
      await this.sendLoad(running, code);
      this.code = code;
    });
  }

  /**
   * Calls the worker's Process with an event and returns its result (null for no reply).
   * A time-out kills the process (it is restarted) and throws WorkerError.
   */
  async process(event: unknown, timeoutMs: number): Promise<unknown> {
    return this.lock.run(async () => {
      const running = await this.ensureStarted();
      const id = this.nextId++;
      const reply = await this.request(running, String(id), { op: "process", id, event }, timeoutMs, () => {
        this.config.log.warn("worker exceeded its time limit; killing its process", { timeoutMs });
        kill(running);
        return new WorkerError("TimeoutError", `Process did not finish within ${timeoutMs} ms; the worker process was killed`);
      });
      this.crashes = 0;
      if (reply.error) throw toWorkerError(reply.error);
      return reply.result ?? null;
    });
  }

  /** Kills the host process for good. */
  async dispose(): Promise<void> {
    this.disposed = true;
    clearTimeout(this.restartTimer);
    const running = this.running;
    this.running = undefined;
    if (running && !running.exited) {
      const exited = new Promise<void>((resolve) => running.child.once("exit", () => resolve()));
      killGroup(running.child);
      await exited;
    }
  }

  private async ensureStarted(): Promise<Running> {
    if (this.disposed) throw new WorkerError("WorkerDeleted", "the worker was deleted");
    if (this.running && !this.running.exited) return this.running;
    let command: string;
    try {
      command = await this.config.spawn.resolve();
    } catch (err) {
      throw (err as NodeJS.ErrnoException).code === "ENOENT" ? new EngineUnavailableError(this.config.spawn.missingHint) : err;
    }
    const running = this.startProcess(command);
    try {
      await this.request(running, "ready", undefined, this.config.startTimeoutMs, () => {
        kill(running);
        return new WorkerError("StartTimeout", `the worker process did not start within ${this.config.startTimeoutMs} ms`);
      });
      if (this.code !== undefined) await this.sendLoad(running, this.code);
    } catch (err) {
      if (!running.exited) kill(running);
      throw err;
    }
    return running;
  }

  private startProcess(command: string): Running {
    const { args, missingHint } = this.config.spawn;
    const child = spawn(command, [...args], {
      env: { ...this.config.env },
      cwd: tmpdir(),
      // fd 3 carries the protocol both ways; stdout and stderr are the worker's own output.
      stdio: ["ignore", "pipe", "pipe", "pipe"],
      // Its own process group, so that killing it also kills what the user's code started
      // (subprocess.Popen, child_process.spawn): those outlived the host before.
      detached: process.platform !== "win32",
    });
    this.starts += 1;
    const channel = child.stdio[3] as Duplex;
    const running: Running = { child, channel, waiters: new Map(), exited: false };
    this.running = running;
    const fail = (error: Error) => failWaiters(running, error);
    const limit = this.config.residentLimitBytes;
    const stopWatching =
      child.pid !== undefined && limit !== undefined
        ? watchMemory(child.pid, limit, (bytes) => {
            const mib = (n: number) => Math.round(n / 1024 / 1024);
            this.config.log.warn("worker exceeded its memory limit; killing its process", {
              residentMiB: mib(bytes),
              limitMiB: mib(limit),
            });
            kill(running);
            fail(
              new WorkerError(
                "MemoryLimitExceeded",
                `the worker process used ${mib(bytes)} MiB, above its limit of ${mib(limit)} MiB; it was killed`,
              ),
            );
          })
        : () => undefined;
    child.on("error", (err: NodeJS.ErrnoException) => {
      fail(err.code === "ENOENT" ? new EngineUnavailableError(missingHint) : new WorkerError("SpawnError", err.message));
    });
    child.on("exit", (code, signal) => {
      stopWatching();
      // Whatever the worker's code left running in the group goes with the host.
      killGroup(child);
      if (!this.disposed) this.config.log.warn("worker process exited; it is restarted", { pid: child.pid, code, signal });
      fail(new WorkerError("WorkerExited", `the worker process exited (code ${code ?? "none"}, signal ${signal ?? "none"})`));
      if (this.running === running) {
        this.running = undefined;
        this.scheduleRestart();
      }
    });
    // A killed child resets the channel (ECONNRESET); its exit is handled above, and readLines
    // swallows the stream error.
    readLines(channel, MAX_PROTOCOL_LINE, (line, truncated) => {
      if (!truncated) {
        this.onLine(running, line);
        return;
      }
      this.config.log.warn("worker host sent a protocol line over the size limit; killing its process", {
        limitBytes: MAX_PROTOCOL_LINE,
      });
      kill(running);
      fail(
        new WorkerError(
          "ProtocolError",
          `the worker process sent a message larger than ${MAX_PROTOCOL_LINE} bytes; it was killed`,
        ),
      );
    });
    this.pipeOutput(child.stdout, "info");
    this.pipeOutput(child.stderr, "warn");
    return running;
  }

  /**
   * Restarts a process that died (crash, kill at the time limit, exit) without waiting for the
   * next event, backing off 100 ms x 2^n; after MAX_EAGER_RESTARTS failures in a row the next
   * event restarts it instead, so code that always dies cannot spin.
   */
  private scheduleRestart(): void {
    if (this.disposed || this.code === undefined || this.restartTimer || this.crashes >= MAX_EAGER_RESTARTS) return;
    const delay = backoffDelay(this.crashes + 1, {
      initialMs: RESTART_BASE_DELAY_MS,
      maxMs: RESTART_BASE_DELAY_MS * 2 ** MAX_EAGER_RESTARTS,
      jitter: "none",
    });
    this.crashes += 1;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.lock
        .run(() => this.ensureStarted())
        .catch((err: unknown) =>
          this.config.log.warn("worker process restart failed", { error: err instanceof Error ? err.message : String(err) }),
        );
    }, delay);
  }

  private onLine(running: Running, line: string): void {
    if (line.trim() === "") return;
    let message: HostMessage;
    try {
      message = JSON.parse(line) as HostMessage;
    } catch {
      message = undefined as unknown as HostMessage;
    }
    // User code can reach the descriptor too (os.write(3, ...)): anything that is not a
    // protocol object (e.g. `null`, which used to crash the emulator) is logged and dropped.
    if (typeof message !== "object" || message === null || typeof message.op !== "string") {
      this.config.log.warn("unreadable line from worker host", { line: line.slice(0, 200) });
      return;
    }
    const key = message.op === "result" ? String(message.id) : message.op;
    const waiter = running.waiters.get(key);
    running.waiters.delete(key);
    waiter?.resolve(message);
  }

  private async sendLoad(running: Running, code: string): Promise<void> {
    const reply = await this.request(running, "loaded", { op: "load", code }, this.config.startTimeoutMs, () => {
      kill(running);
      return new WorkerError("LoadTimeout", `the worker code did not load within ${this.config.startTimeoutMs} ms`);
    });
    if (reply.error) throw toWorkerError(reply.error);
  }

  /** Sends a message (if any) and waits for the reply under `key`, bounded by a timer. */
  private request(
    running: Running,
    key: string,
    message: object | undefined,
    timeoutMs: number,
    onTimeout: () => Error,
  ): Promise<HostMessage> {
    return new Promise<HostMessage>((resolve, reject) => {
      if (running.exited) {
        reject(new WorkerError("WorkerExited", "the worker process is not running"));
        return;
      }
      const timer = setTimeout(() => {
        running.waiters.delete(key);
        reject(onTimeout());
      }, timeoutMs);
      running.waiters.set(key, {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      if (message !== undefined) running.channel.write(JSON.stringify(message) + "\n");
    });
  }

  private pipeOutput(stream: Readable | null, level: "info" | "warn"): void {
    if (!stream) return;
    // Bounded: a worker printing without newlines costs at most MAX_LOGGED_LINE bytes here.
    readLines(stream, MAX_LOGGED_LINE, (line, truncated) => {
      this.config.log[level]("worker output", { line: truncated ? line + "…" : line });
    });
  }
}

/**
 * Kills a host process and marks it gone at once, so a call arriving before its exit event is
 * not sent to the dying process (and does not fail for a reason that is not its own).
 */
function kill(running: Running): void {
  running.exited = true;
  killGroup(running.child);
}

/** SIGKILLs a host's process group (the host and every process it started), else the host alone. */
function killGroup(child: ChildProcess): void {
  if (child.pid !== undefined && process.platform !== "win32") {
    try {
      process.kill(-child.pid, "SIGKILL");
      return;
    } catch {
      // ESRCH: the group is already gone (the host exited and left nothing behind).
    }
  }
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

/** Marks a host process gone and fails every reply still awaited from it. */
function failWaiters(running: Running, error: Error): void {
  running.exited = true;
  for (const waiter of running.waiters.values()) waiter.reject(error);
  running.waiters.clear();
}

function toWorkerError(error: NonNullable<HostMessage["error"]>): WorkerError {
  return new WorkerError(error.type || "Error", error.message || "the worker failed");
}
