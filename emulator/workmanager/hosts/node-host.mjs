/**
 * Host process of one JavaScript worker of the Virtufin emulator's WorkManager.
 *
 * Started as `node --max-old-space-size=<MiB> node-host.mjs` with a scrubbed environment and
 * driven over file descriptor 3 (a socket, both directions) with line-delimited JSON, exactly
 * like python-host.py (see the protocol there): ready, load/loaded, process/result, shutdown.
 *
 * The user's code may be an ES module (it uses `import`/`export`; `Process` is a named export,
 * or the default export) or a plain script that declares `function Process(event)` (or assigns
 * `module.exports`). Its console output goes to stdout/stderr, which the emulator logs; the
 * protocol never shares those streams.
 */
import { Buffer } from "node:buffer";
import { createRequire } from "node:module";
import net from "node:net";
import readline from "node:readline";

const channel = new net.Socket({ fd: 3, readable: true, writable: true });
const send = (message) => channel.write(JSON.stringify(message) + "\n");
const describe = (err) => ({
  type: err instanceof Error ? err.name : typeof err,
  message: err instanceof Error ? err.message || err.name : String(err),
  traceback: err instanceof Error && err.stack ? err.stack.slice(-4000) : undefined,
});

/** @type {((event: unknown) => unknown) | undefined} */
let processFn;

async function load(code) {
  let found;
  if (/^\s*(import|export)\s/m.test(code)) {
    // A data: URL imports the module without writing the user's code to disk.
    const mod = await import(`data:text/javascript;base64,${Buffer.from(code, "utf8").toString("base64")}`);
    found = mod.Process ?? mod.default?.Process ?? mod.default;
  } else {
    const module = { exports: {} };
    const factory = new Function(
      "module",
      "exports",
      "require",
      `${code}\n;return typeof Process === "function" ? Process : undefined;`,
    );
    found = factory(module, module.exports, createRequire(import.meta.url));
    found ??= module.exports.Process ?? module.exports;
  }
  if (typeof found !== "function") throw new TypeError("the worker code defines no Process(event) function");
  processFn = found;
}

async function handle(message) {
  if (message.op === "load") {
    try {
      await load(message.code);
      send({ op: "loaded" });
    } catch (err) {
      send({ op: "loaded", error: describe(err) });
    }
  } else if (message.op === "process") {
    try {
      if (processFn === undefined) throw new Error("no code is loaded");
      const result = await processFn(message.event);
      // Serialize here so an unserializable result is reported as this message's error.
      const json = JSON.stringify(result === undefined ? null : result) ?? "null";
      channel.write(`{"op":"result","id":${Number(message.id)},"result":${json}}\n`);
    } catch (err) {
      send({ op: "result", id: message.id, error: describe(err) });
    }
  } else if (message.op === "shutdown") {
    process.exit(0);
  }
}

// Messages are handled one at a time, in order, even when Process is async.
let chain = Promise.resolve();
readline.createInterface({ input: channel }).on("line", (line) => {
  if (line.trim() === "") return;
  const message = JSON.parse(line);
  chain = chain.then(() => handle(message));
});
channel.on("close", () => process.exit(0));
send({ op: "ready" });
