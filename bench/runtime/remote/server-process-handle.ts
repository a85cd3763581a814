/**
 * Starts a benchmark server (`server-process.ts`) as a child Node process with an IPC channel,
 * and talks to it: publish events, count subscriptions, read its CPU time, stop it. The child
 * runs with the same Node and the same TypeScript loader (tsx) as this process.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { ReadyMessage, Reply, Request } from "./protocol.js";

/** A running server process. */
export interface ServerProcess {
  /** Its addresses and ListServices answer. */
  readonly ready: ReadyMessage;
  /** Its process id (for `--cpu-prof` runs and diagnostics). */
  readonly pid: number;
  /** Publishes events `from` … `from + count - 1` to `topic` inside the server. */
  publish(topic: string, from: number, count: number): Promise<void>;
  /** Open Pubsub.Subscribe streams on the server. */
  subscriptions(): Promise<number>;
  /** The server process's user + system CPU time so far, µs. */
  cpuUs(): Promise<number>;
  /** Stops the server and waits for the process to exit (SIGKILL after 5 s). */
  stop(): Promise<void>;
}

const ENTRY = new URL("./server-process.ts", import.meta.url).pathname;

/** Options of {@link startServerProcess}. */
export interface ServerProcessOptions {
  /** Extra Node flags, e.g. `["--cpu-prof", "--cpu-prof-dir=…"]`. */
  readonly nodeFlags?: readonly string[];
  /** Arguments after the kind (the responder's `host port topic`). */
  readonly args?: readonly string[];
}

/** Starts a server process of `kind` and resolves once it listens (rejects after 30 s). */
export function startServerProcess(
  kind: "emulator" | "grpc-js" | "responder",
  options: ServerProcessOptions = {},
): Promise<ServerProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [...(options.nodeFlags ?? []), "--import", "tsx", ENTRY, kind, ...(options.args ?? [])],
    {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    },
  );
  const pending = new Map<number, { resolve: (r: Reply) => void }>();
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => {
      // Nothing more will be answered: fail what is still waiting instead of hanging.
      for (const [id, p] of pending) p.resolve({ id, error: "the server process exited" });
      pending.clear();
      resolve();
    }),
  );
  let nextId = 1;
  type Ask = Request extends infer R ? (R extends Request ? Omit<R, "id"> : never) : never;
  const ask = (request: Ask): Promise<Reply> =>
    new Promise((resolve, reject) => {
      if (!child.connected) return reject(new Error(`the ${kind} server process is gone`));
      const id = nextId++;
      pending.set(id, { resolve });
      child.send({ ...request, id }, (error) => {
        if (error) {
          pending.delete(id);
          reject(error);
        }
      });
    });
  const value = async (request: Ask): Promise<number> => {
    const reply = await ask(request);
    if (reply.error) throw new Error(`${kind} server: ${reply.error}`);
    return reply.result ?? 0;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the ${kind} server process did not start in 30 s`));
    }, 30_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the ${kind} server process exited with ${code} before it was ready`));
    });
    child.on("message", (message: ReadyMessage | Reply) => {
      if ("type" in message && message.type === "ready") {
        clearTimeout(timer);
        resolve({
          ready: message,
          pid: child.pid!,
          publish: async (topic, from, count) => void (await value({ op: "publish", topic, from, count })),
          subscriptions: () => value({ op: "subscriptions" }),
          cpuUs: () => value({ op: "cpu" }),
          stop: async () => {
            const killer = setTimeout(() => child.kill("SIGKILL"), 5_000);
            if (child.connected) await ask({ op: "stop" }).catch(() => undefined);
            await exited;
            clearTimeout(killer);
          },
        });
        return;
      }
      const reply = message as Reply;
      pending.get(reply.id)?.resolve(reply);
      pending.delete(reply.id);
    });
  });
}
