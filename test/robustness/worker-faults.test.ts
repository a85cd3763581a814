/**
 * Issue 6, item 9: faulty workers inside a whole emulator. Python and JavaScript workers that
 * throw, hang past the per-message limit, exit, print garbage (binary bytes, floods of lines, a
 * line of hundreds of megabytes without a newline), write garbage on the protocol descriptor,
 * or eat memory are contained: retried, dead-lettered to `<topic>-dead`, restarted. After each
 * fault every server answers, healthy workers on other topics still answer a request-reply
 * round trip, and the faulty worker is still listed and works again for good input.
 *
 * test/emulator-workers/ covers the WorkManager alone (retry timing, dead-letter metadata,
 * Python hang/exit/memory, JS heap); this file covers what it does not: JavaScript throw, hang
 * and exit, garbage output, protocol garbage, and the emulator as a whole staying healthy.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusEvent } from "../../emulator/index.js";
import {
  ECHO_CODE,
  JAVASCRIPT,
  PYTHON,
  childPids,
  expectServing,
  processesWithArgument,
  roundTrip,
  runWorker,
  startRig,
  waitFor,
  type Rig,
} from "./helpers.js";

/** Per-message time limit of the emulator under test (hangs are killed after this). */
const MESSAGE_TIMEOUT_MS = 2_000;
/** Attempts per event before the dead letter. */
const ATTEMPTS = 2;
/** A unique `sleep` argument: processes started by workers are found by it in /proc. */
const ORPHAN_MARKER = `${300 + Math.floor(Math.random() * 1000)}.${process.pid}`;
/**
 * The garbage printer writes its unterminated line in slices of this many MiB per event, so
 * each Process call stays well inside the time limit while the line keeps growing.
 */
const SLICE_MIB = 80;
/** Events sent to it: 7 x 80 = 560 MiB, more than V8's longest string (2^29 - 24 characters). */
const SLICES = 7;

/**
 * Fault code per language. Every worker answers `"ok"` input normally (so recovery can be
 * checked on the same worker) and misbehaves on `"fault"`.
 */
interface Fault {
  readonly name: string;
  /** What the faulty Process does on "fault", per language. */
  readonly code: Partial<Record<typeof PYTHON | typeof JAVASCRIPT, string>>;
  /**
   * The expected outcome of the faulty event: a dead letter with this errortype, or a normal
   * reply (to each of `times` faulty events in a row).
   */
  readonly outcome: { deadLetter: Record<string, string> } | { reply: true; times?: number };
}

const py = (body: string, imports = "import os, sys, time") =>
  `${imports}\ndef Process(event):\n    if event.get('data') == 'fault':\n${body
    .split("\n")
    .map((line) => `        ${line}`)
    .join("\n")}\n    return {'type': 'ok', 'source': 'faulty', 'data': {'pid': os.getpid()}}\n`;
const js = (body: string) =>
  `function Process(event) {\n  if (event.data === "fault") {\n${body}\n  }\n  return { type: "ok", source: "faulty", data: { pid: process.pid } };\n}`;

const FAULTS: readonly Fault[] = [
  {
    name: "throws",
    code: { [PYTHON]: py("raise ValueError('boom')"), [JAVASCRIPT]: js("throw new RangeError('boom');") },
    outcome: { deadLetter: { [PYTHON]: "ValueError", [JAVASCRIPT]: "RangeError" } },
  },
  {
    name: "hangs past the per-message limit",
    code: { [PYTHON]: py("time.sleep(60)"), [JAVASCRIPT]: js("const end = Date.now() + 60_000; while (Date.now() < end) {}") },
    outcome: { deadLetter: { [PYTHON]: "TimeoutError", [JAVASCRIPT]: "TimeoutError" } },
  },
  {
    name: "exits",
    code: { [PYTHON]: py("os._exit(3)"), [JAVASCRIPT]: js("process.exit(3);") },
    outcome: { deadLetter: { [PYTHON]: "WorkerExited", [JAVASCRIPT]: "WorkerExited" } },
  },
  {
    name: "prints garbage: binary bytes, 20,000 lines, then a line of 560 MiB without a newline (80 MiB per event)",
    code: {
      [PYTHON]: py(
        [
          // The first event prints the short garbage; every event then extends one line.
          "if not flooding:",
          "    flooding.append(True)",
          "    sys.stdout.buffer.write(bytes(range(256)) * 64 + b'\\x1b[2J\\x00\\xff\\xfe')",
          "    sys.stderr.buffer.write(os.urandom(65536))",
          "    for i in range(20000):",
          '        print(\'{"op": "result", "id": 1, "result": "forged"}\', i)',
          "    sys.stdout.write('the line starts here:')",
          "chunk = 'x' * (1 << 20)",
          `for i in range(${SLICE_MIB}):`,
          "    sys.stdout.write(chunk)",
          "sys.stdout.flush()",
          "return {'type': 'ok', 'source': 'faulty', 'data': 'survived'}",
        ].join("\n"),
        "import os, sys, time\nflooding = []",
      ),
      [JAVASCRIPT]: js(
        [
          "const fs = require('node:fs');",
          "if (!globalThis.flooding) {",
          "  globalThis.flooding = true;",
          "  fs.writeSync(1, Buffer.from([...Array(256).keys()]));",
          "  fs.writeSync(2, require('node:crypto').randomBytes(65536));",
          '  for (let i = 0; i < 20000; i++) console.log(\'{"op":"result","id":1,"result":"forged"}\', i);',
          "  fs.writeSync(1, 'the line starts here:');",
          "}",
          "const chunk = Buffer.alloc(1 << 20, 0x78);",
          `for (let i = 0; i < ${SLICE_MIB}; i++) { let off = 0; while (off < chunk.length) { try { off += fs.writeSync(1, chunk, off); } catch (e) { if (e.code !== 'EAGAIN') throw e; } } }`,
          "return { type: 'ok', source: 'faulty', data: 'survived' };",
        ].join("\n"),
      ),
    },
    outcome: { reply: true, times: SLICES },
  },
  {
    name: "writes garbage on the protocol descriptor (null, numbers, non-JSON, forged ids)",
    code: {
      [PYTHON]: py(
        [
          'os.write(3, b\'null\\n42\\n"text"\\n[1, 2]\\nnot json\\n{"op": 7}\\n{"op": "result", "id": "bogus"}\\n\\xff\\xfe\\n\\n\')',
          "return {'type': 'ok', 'source': 'faulty', 'data': 'survived'}",
        ].join("\n"),
      ),
      [JAVASCRIPT]: js(
        [
          'require(\'node:fs\').writeSync(3, \'null\\n42\\n"text"\\n[1, 2]\\nnot json\\n{"op": 7}\\n{"op":"result","id":"bogus"}\\n\\n\');',
          "return { type: 'ok', source: 'faulty', data: 'survived' };",
        ].join("\n"),
      ),
    },
    outcome: { reply: true },
  },
  {
    name: "floods the protocol descriptor with one 24 MiB line",
    code: {
      [PYTHON]: py(
        ["out = os.fdopen(os.dup(3), 'wb')", "out.write(b'[' + b'1,' * (12 << 20))", "out.flush()", "time.sleep(60)"].join("\n"),
      ),
    },
    outcome: { deadLetter: { [PYTHON]: "ProtocolError" } },
  },
  {
    name: "starts a child process of its own, then hangs",
    code: {
      [PYTHON]: py(`subprocess.Popen(['sleep', '${ORPHAN_MARKER}'])\ntime.sleep(60)`, "import os, subprocess, sys, time"),
      [JAVASCRIPT]: js(
        `require('node:child_process').spawn('sleep', ['${ORPHAN_MARKER}'], { stdio: 'ignore' });\nconst end = Date.now() + 60_000; while (Date.now() < end) {}`,
      ),
    },
    outcome: { deadLetter: { [PYTHON]: "TimeoutError", [JAVASCRIPT]: "TimeoutError" } },
  },
  {
    name: "closes its protocol descriptor (the host dies at once)",
    code: { [JAVASCRIPT]: js("require('node:fs').closeSync(3);") },
    outcome: { deadLetter: { [JAVASCRIPT]: "WorkerExited" } },
  },
  {
    // The Python host writes on a duplicate of the descriptor: the reply goes out, then the
    // host dies reading the closed one and is restarted.
    name: "closes its protocol descriptor (the host dies after replying)",
    code: { [PYTHON]: py("os.close(3)\nreturn {'type': 'ok', 'source': 'faulty', 'data': 'survived'}") },
    outcome: { reply: true },
  },
  {
    name: "returns a result JSON cannot hold (NaN and Infinity; a BigInt)",
    code: {
      [PYTHON]: py("return {'type': 'ok', 'source': 'faulty', 'data': {'v': float('nan'), 'w': float('inf')}}"),
      [JAVASCRIPT]: js("return { type: 'ok', source: 'faulty', data: { v: 10n } };"),
    },
    outcome: { deadLetter: { [PYTHON]: "ValueError", [JAVASCRIPT]: "TypeError" } },
  },
  {
    name: "eats memory outside the JavaScript heap (Buffers)",
    code: { [JAVASCRIPT]: js("const keep = []; for (let i = 0; i < 64; i++) keep.push(Buffer.alloc(64 << 20, 1));") },
    outcome: { deadLetter: { [JAVASCRIPT]: "MemoryLimitExceeded" } },
  },
  {
    name: "eats memory",
    code: {
      [PYTHON]: py("block = bytearray(1 << 30)"),
      [JAVASCRIPT]: js("const keep = []; for (;;) keep.push(new Array(1_000_000).fill(Math.random()));"),
    },
    outcome: { deadLetter: { [PYTHON]: "MemoryError", [JAVASCRIPT]: "WorkerExited" } },
  },
];

/** Runs `fn` with the events of `topic` recorded through the emulator's bus. */
async function recording<T>(rig: Rig, topic: string, fn: (events: BusEvent[]) => Promise<T>): Promise<T> {
  const events: BusEvent[] = [];
  const sub = rig.emulator.pubsub.subscribe(topic, (event) => {
    events.push(event);
  });
  try {
    return await fn(events);
  } finally {
    sub.close();
  }
}

describe("worker faults inside a running emulator", () => {
  let rig: Rig;
  let baselineChildren: number;
  const healthy: Record<string, string> = {};

  beforeAll(async () => {
    rig = await startRig({
      workmanager: { messageTimeoutMs: MESSAGE_TIMEOUT_MS, retryAttempts: ATTEMPTS, retryBaseDelayMs: 20, memoryLimitMb: 128 },
    });
    for (const mime of [PYTHON, JAVASCRIPT]) {
      const topic = `healthy-${mime === PYTHON ? "py" : "js"}`;
      await runWorker(rig, ECHO_CODE[mime]!, mime, topic);
      healthy[mime] = topic;
    }
    baselineChildren = childPids().length;
  });
  afterAll(async () => rig?.close());

  /** Every server answers, and both healthy workers answer a round trip with their same process. */
  async function expectEmulatorHealthy(pids: Map<string, number>): Promise<void> {
    await expectServing(rig.emulator);
    for (const topic of Object.values(healthy)) {
      const reply = (await roundTrip(rig.api, topic, { ping: topic })) as { echo: unknown; pid: number };
      expect(reply.echo).toEqual({ ping: topic });
      // The healthy workers were never restarted by another worker's fault.
      if (pids.has(topic)) expect(reply.pid).toBe(pids.get(topic));
      pids.set(topic, reply.pid);
    }
  }

  it("contains every fault, in both languages, and stays healthy after each", async () => {
    const healthyPids = new Map<string, number>();
    await expectEmulatorHealthy(healthyPids);
    const tried: string[] = [];
    for (const [index, fault] of FAULTS.entries()) {
      // The languages of one fault run side by side (the whole table stays within the time budget).
      await Promise.all(
        Object.entries(fault.code).map(async ([mime, code]) => {
          const topic = `fault-${index}-${mime === PYTHON ? "py" : "js"}`;
          const id = await runWorker(rig, code, mime, topic);
          const label = `${fault.name} (${mime})`;
          await recording(rig, `${topic}-dead`, async (dead) => {
            if ("reply" in fault.outcome) {
              for (let i = 0; i < (fault.outcome.times ?? 1); i++)
                expect(await roundTrip(rig.api, topic, "fault", 10_000), label).toBe("survived");
            } else {
              await rig.api.pubsub.publish(topic, "fault");
              await waitFor(() => dead.length > 0, `the dead letter of ${label}`, 30_000);
              expect(dead[0]!.metadata["errortype"], label).toBe(fault.outcome.deadLetter[mime]);
              expect(dead[0]!.metadata["attempts"], label).toBe(String(ATTEMPTS));
              expect(new TextDecoder().decode(dead[0]!.data), label).toBe("fault");
            }
          });
          // The faulty worker is still listed, RUNNING, and works again (restarted if it died).
          const listed = (await rig.raw.workmanager.listWorkers({})).workers.find((w) => w.id === id);
          expect(listed, label).toBeDefined();
          const again = (await roundTrip(rig.api, topic, "ok", 20_000)) as { pid: number };
          expect(typeof again.pid, label).toBe("number");
          await rig.raw.workmanager.deleteWorker({ id });
          tried.push(label);
        }),
      );
      await expectEmulatorHealthy(healthyPids);
      // Deleted faulty workers leave no process behind: only the two healthy ones remain, and
      // nothing a worker started outlives it.
      await waitFor(
        () => childPids().length === baselineChildren,
        `worker processes back to ${baselineChildren} after "${fault.name}"`,
      );
      await waitFor(
        () => processesWithArgument(ORPHAN_MARKER).length === 0,
        `processes started by workers to be gone after "${fault.name}"`,
        5_000,
      );
    }
    expect(tried).toHaveLength(20);
  }, 85_000);
});

describe("stopping an emulator whose workers misbehave", () => {
  it("is prompt and leaves no process: workers busy, hung, ignoring SIGTERM, with children of their own", async () => {
    const rig = await startRig();
    const marker = `${ORPHAN_MARKER}1`;
    try {
      const baseline = childPids().length;
      const stubborn = [
        [
          PYTHON,
          `import subprocess, time\ndef Process(event):\n    subprocess.Popen(['sleep', '${marker}'])\n    time.sleep(600)\n`,
        ],
        [
          JAVASCRIPT,
          `function Process() { require('node:child_process').spawn('sleep', ['${marker}'], { stdio: 'ignore' }); for (;;) {} }`,
        ],
        [
          PYTHON,
          "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\ndef Process(event):\n    time.sleep(600)\n",
        ],
      ] as const;
      for (const [i, [mime, code]] of stubborn.entries()) {
        await runWorker(rig, code, mime, `stubborn-${i}`);
        await rig.api.pubsub.publish(`stubborn-${i}`, "go");
      }
      await waitFor(() => processesWithArgument(marker).length === 2, "the workers' own children to start");
      expect(childPids().length).toBe(baseline + 3);
      const started = Date.now();
      await rig.close();
      expect(Date.now() - started).toBeLessThan(5_000);
      await waitFor(
        () => childPids().length === baseline && processesWithArgument(marker).length === 0,
        "every worker process and its children to be gone",
        5_000,
      );
    } finally {
      await rig.close();
    }
  }, 30_000);
});
