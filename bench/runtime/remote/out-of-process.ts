/**
 * The out-of-process part of the runtime benchmark: servers in their own processes (the
 * emulator, and the plain grpc-js reference server), clients measured in this one. Each server
 * process is stopped before the next starts, so at most one server and one responder process run
 * beside the client.
 */
import type { BenchContext } from "../context.js";
import type { Row } from "../table.js";
import { measureMemory, type MemoryFigures } from "./memory.js";
import { benchRemoteProxy, benchRemoteRequestReply } from "./remote-routes.js";
import { benchRemoteStream } from "./remote-stream.js";
import { benchRemoteUnary } from "./remote-unary.js";
import { startServerProcess, type ServerProcess } from "./server-process-handle.js";

/** Runs one scenario; a failure becomes a row saying so instead of ending the whole run. */
type Scenario = <T>(name: string, run: () => Promise<T>, failed: Row[]) => Promise<T | undefined>;

/** The item a scenario name belongs to, for `--items`. */
const ITEM_OF = (name: string): string =>
  name.includes("unary")
    ? "unary"
    : name.includes("server stream")
      ? "stream"
      : name.includes("proxy")
        ? "proxy"
        : name.includes("request-reply")
          ? "request-reply"
          : name;

/** Options of {@link benchOutOfProcess}. */
export interface OutOfProcessOptions {
  /** Node flags of the server processes (e.g. `--cpu-prof`). */
  readonly serverNodeFlags?: readonly string[];
  /** Only these items (unary, stream, proxy, request-reply, memory); all when undefined. */
  readonly items?: ReadonlySet<string>;
}

/** Measures every out-of-process item and returns its rows. */
export async function benchOutOfProcess(
  ctx: Pick<BenchContext, "settings" | "log">,
  scenario: Scenario,
  options: OutOfProcessOptions = {},
): Promise<{ rows: Row[]; memory: MemoryFigures[] }> {
  const rows: Row[] = [];
  let memory: MemoryFigures[] = [];
  const withServer = async (kind: "emulator" | "grpc-js", body: (server: ServerProcess) => Promise<void>): Promise<void> => {
    const server = await startServerProcess(kind, { nodeFlags: options.serverNodeFlags ?? [] });
    ctx.log(`${kind} server process ${server.pid} listens at ${server.ready.gateway.url}`);
    try {
      await body(server);
    } finally {
      await server.stop();
    }
  };
  const wanted = (item: string): boolean => options.items === undefined || options.items.has(item);
  const add = async (name: string, run: () => Promise<Row[]>): Promise<void> => {
    if (!wanted(ITEM_OF(name))) return;
    const got = await scenario(name, run, rows);
    if (got) rows.push(...got);
  };
  await withServer("emulator", async (emulator) => {
    const label = "emulator Gateway process";
    await add(`out of process: unary (${label})`, () => benchRemoteUnary(ctx, emulator, label));
    await add(`out of process: server stream (${label})`, () => benchRemoteStream(ctx, emulator, label, true));
    await add("out of process: typed gateway proxy", () => benchRemoteProxy(ctx, emulator));
    await add("out of process: request-reply", () => benchRemoteRequestReply(ctx, emulator));
    if (!wanted("memory")) return;
    ctx.log("memory per idle client and per open stream (emulator process)");
    memory = (await scenario("memory", () => measureMemory(ctx, emulator), rows)) ?? [];
  });
  await withServer("grpc-js", async (server) => {
    const label = "grpc-js server process";
    await add(`out of process: unary (${label})`, () => benchRemoteUnary(ctx, server, label));
    await add(`out of process: server stream (${label})`, () => benchRemoteStream(ctx, server, label, false));
  });
  return { rows, memory };
}
