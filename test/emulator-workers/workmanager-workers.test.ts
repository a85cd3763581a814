/**
 * Workers running for real: Python and JavaScript request-reply, routing, competing consumers,
 * group exclusion, retries with backoff and dead letters, time and memory limits, restarts,
 * the scrubbed environment, and prints that must not disturb the protocol.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LIFECYCLE_TOPIC } from "../../emulator/workmanager/index.js";
import { TopicRecorder, fixture, jsonOf, publishJson, requirePython, startWorkManager, type TestWorkManager } from "./harness.js";

const bytes = (code: string) => new TextEncoder().encode(code);

/** Creates and starts a worker; returns its id. */
async function runWorker(
  wm: TestWorkManager,
  code: string | Uint8Array,
  topic: string,
  mimeType = "text/x-python",
  group = "",
): Promise<string> {
  const value = typeof code === "string" ? bytes(code) : code;
  const { id } = await wm.client.createWorker({ codeSource: { source: { case: "content", value } }, mimeType, topic, group });
  await wm.client.startWorker({ id });
  return id;
}

/** Publishes a request with a fresh reply topic and correlation id and returns the reply. */
async function requestReply(wm: TestWorkManager, topic: string, data: unknown, timeoutMs = 10_000) {
  const replyTopic = `replies-${randomUUID()}`;
  const correlationId = randomUUID();
  const replies = new TopicRecorder(wm.pubsub, replyTopic);
  try {
    const sent = await publishJson(wm.pubsub, topic, data, { replytopic: replyTopic, correlationid: correlationId });
    const [reply] = await replies.waitFor(1, timeoutMs);
    return { sent, reply: reply!, correlationId };
  } finally {
    replies.stop();
  }
}

describe("workers", () => {
  let wm: TestWorkManager;
  beforeAll(async () => {
    requirePython();
    wm = await startWorkManager({ memoryLimitMb: 256 });
  });
  afterAll(async () => wm?.close());

  it("runs the seed's Python example as a request-reply worker, correlation id preserved", async () => {
    await runWorker(wm, fixture("seed-time-worker.py"), "time-worker-topic");
    const { sent, reply, correlationId } = await requestReply(wm, "time-worker-topic", { ask: "time" });
    expect(reply.metadata["correlationid"]).toBe(correlationId);
    expect(reply.metadata["ce-type"]).toBe("com.example.time-response");
    expect(reply.metadata["ce-source"]).toBe("python-worker");
    expect(reply.metadata["ce-datacontenttype"]).toBe("application/json");
    const data = jsonOf(reply) as { current_time: string; received_event_id: string };
    expect(data.received_event_id).toBe(sent.id);
    expect(Number.isNaN(Date.parse(data.current_time))).toBe(false);
  });

  it("publishes to the topic named by the result's type when the event has no replytopic", async () => {
    await runWorker(
      wm,
      "def Process(event):\n    return {'type': 'routed-by-type', 'source': 'w', 'data': {'got': event['data']}}\n",
      "t-route",
    );
    const out = new TopicRecorder(wm.pubsub, "routed-by-type");
    try {
      await publishJson(wm.pubsub, "t-route", { n: 1 }, { correlationid: "c-1" });
      const [event] = await out.waitFor(1);
      expect(jsonOf(event!)).toEqual({ got: { n: 1 } });
      expect(event!.metadata["correlationid"]).toBe("c-1");
    } finally {
      out.stop();
    }
  });

  it("runs a JavaScript worker (script and ES module forms) with the event's attributes and extensions", async () => {
    const script = `function Process(event) {
      console.log("a print must not disturb the protocol", JSON.stringify({ op: "result", id: 1, result: null }));
      return { type: "com.example.js-response", source: "js-worker", subject: "s-1",
               data: { echo: event.data, id: event.id, type: event.type, correlation: event.correlationid, reply: event.replytopic } };
    }`;
    await runWorker(wm, script, "t-js", "text/javascript");
    const { sent, reply, correlationId } = await requestReply(wm, "t-js", { hello: "js" });
    expect(reply.metadata["correlationid"]).toBe(correlationId);
    expect(reply.metadata["ce-type"]).toBe("com.example.js-response");
    expect(reply.metadata["ce-subject"]).toBe("s-1");
    const data = jsonOf(reply) as Record<string, unknown>;
    expect(data).toMatchObject({ echo: { hello: "js" }, id: sent.id, type: "com.example.request", correlation: correlationId });
    expect(String(data["reply"])).toMatch(/^replies-/);

    const module = `import os from "node:os";
      export async function Process(event) {
        await new Promise((r) => setTimeout(r, 5));
        return { type: "esm", source: "esm-worker", data: typeof event.data + ":" + event.data + ":" + os.platform() };
      }`;
    await runWorker(wm, module, "t-esm", "application/javascript");
    const replyTopic = `replies-${randomUUID()}`;
    const replies = new TopicRecorder(wm.pubsub, replyTopic);
    await wm.pubsub.publish("t-esm", bytes("plain text"), {
      "ce-type": "t",
      "ce-source": "s",
      "ce-datacontenttype": "text/plain",
      replytopic: replyTopic,
    });
    const [esm] = await replies.waitFor(1);
    replies.stop();
    expect(new TextDecoder().decode(esm!.data)).toBe(`string:plain text:${process.platform}`);
    expect(esm!.metadata["ce-datacontenttype"]).toBe("text/plain");
  });

  it("awaits an async Python Process and hands it text and non-UTF-8 data as documented", async () => {
    const code = [
      "import asyncio",
      "async def Process(event):",
      "    await asyncio.sleep(0.01)",
      "    return {'type': 'x', 'source': 'a', 'data': {'data': event.get('data'), 'b64': event.get('data_base64'), 'ext': event.get('scenarioid')}}",
    ].join("\n");
    await runWorker(wm, code, "t-async");
    const replyTopic = `replies-${randomUUID()}`;
    const replies = new TopicRecorder(wm.pubsub, replyTopic);
    await wm.pubsub.publish("t-async", bytes("not json {"), {
      "ce-type": "t",
      "ce-source": "s",
      "ce-datacontenttype": "application/json",
      replytopic: replyTopic,
      "ce-scenarioid": "s-9",
    });
    await wm.pubsub.publish("t-async", new Uint8Array([0xff, 0xfe, 0x00]), {
      "ce-type": "t",
      "ce-source": "s",
      "ce-datacontenttype": "application/octet-stream",
      replytopic: replyTopic,
    });
    const [text, binary] = await replies.waitFor(2);
    replies.stop();
    expect(jsonOf(text!)).toEqual({ data: "not json {", b64: null, ext: "s-9" });
    expect(jsonOf(binary!)).toEqual({ data: null, b64: Buffer.from([0xff, 0xfe, 0x00]).toString("base64"), ext: null });
  });

  it("keeps Python prints off the protocol channel", async () => {
    const code = [
      "import sys",
      "def Process(event):",
      '    print(\'{"op": "result", "id": 1, "result": "forged"}\')',
      "    print('to stderr', file=sys.stderr)",
      "    return {'type': 'printed', 'source': 'p', 'data': 'real'}",
    ].join("\n");
    await runWorker(wm, code, "t-print");
    const { reply } = await requestReply(wm, "t-print", {});
    expect(new TextDecoder().decode(reply.data)).toBe("real");
  });

  it("shares a topic's events between competing workers, each event processed exactly once", async () => {
    const code = `async function Process(event) {
      await new Promise((r) => setTimeout(r, 10));
      return { type: "competing-out", source: "c", data: { n: event.data.n, worker: process.env.VIRTUFIN_WORKER_ID } };
    }`;
    const a = await runWorker(wm, code, "t-compete", "text/javascript");
    const b = await runWorker(wm, code, "t-compete", "text/javascript");
    const out = new TopicRecorder(wm.pubsub, "competing-out");
    const N = 30;
    for (let n = 0; n < N; n++) await publishJson(wm.pubsub, "t-compete", { n });
    const events = await out.waitFor(N, 15_000);
    out.stop();
    const results = events.map((e) => jsonOf(e) as { n: number; worker: string });
    expect(results.map((r) => r.n).sort((x, y) => x - y)).toEqual([...Array(N).keys()]);
    const byWorker = new Map<string, number>();
    for (const r of results) byWorker.set(r.worker, (byWorker.get(r.worker) ?? 0) + 1);
    expect([...byWorker.keys()].sort()).toEqual([a, b].sort());
    expect(Math.min(...byWorker.values())).toBeGreaterThan(0);
    // Nothing more arrives: no event was delivered twice.
    await new Promise((r) => setTimeout(r, 200));
    expect(out.events).toHaveLength(N);
  });

  it("never runs two members of one group at the same time (and does without a group)", async () => {
    const code = [
      "import os, time",
      "def Process(event):",
      "    start = time.time()",
      "    time.sleep(0.1)",
      "    return {'type': event['data']['out'], 'source': 'g', 'data': {'start': start, 'end': time.time(), 'worker': os.environ['VIRTUFIN_WORKER_ID']}}",
    ].join("\n");
    const overlaps = async (group: string, out: string) => {
      await runWorker(wm, code, `${out}-a`, "text/x-python", group);
      await runWorker(wm, code, `${out}-b`, "text/x-python", group);
      const recorder = new TopicRecorder(wm.pubsub, out);
      for (let i = 0; i < 3; i++) {
        await publishJson(wm.pubsub, `${out}-a`, { out });
        await publishJson(wm.pubsub, `${out}-b`, { out });
      }
      const runs = (await recorder.waitFor(6, 15_000)).map((e) => jsonOf(e) as { start: number; end: number });
      recorder.stop();
      runs.sort((x, y) => x.start - y.start);
      let count = 0;
      for (let i = 1; i < runs.length; i++) if (runs[i]!.start < runs[i - 1]!.end) count++;
      return count;
    };
    expect(await overlaps("", "nogroup")).toBeGreaterThan(0); // the measurement can see overlap
    expect(await overlaps("exclusive", "grouped")).toBe(0);
  });

  it("gives workers a scrubbed environment (Python isolated, Node too)", async () => {
    process.env["VIRTUFIN_TEST_PARENT_SECRET"] = "parent-only";
    try {
      await runWorker(
        wm,
        "import os, sys\ndef Process(event):\n    return {'type': 'x', 'source': 'env', 'data': {'env': dict(os.environ), 'isolated': sys.flags.isolated}}\n",
        "t-env-py",
      );
      await runWorker(
        wm,
        "function Process() { return { type: 'x', source: 'env', data: { env: process.env } }; }",
        "t-env-js",
        "text/javascript",
      );
      const allowed = /^(PATH|LANG|LC_CTYPE|VIRTUFIN_WORKER_[A-Z_]+)$/;
      for (const topic of ["t-env-py", "t-env-js"]) {
        const { reply } = await requestReply(wm, topic, {});
        const data = jsonOf(reply) as { env: Record<string, string>; isolated?: number };
        expect(Object.keys(data.env).filter((key) => !allowed.test(key))).toEqual([]);
        expect(data.env["VIRTUFIN_WORKER_TOPIC"]).toBe(topic);
        expect(data.env["VIRTUFIN_TEST_PARENT_SECRET"]).toBeUndefined();
        if (topic === "t-env-py") expect(data.isolated).toBe(1);
      }
    } finally {
      delete process.env["VIRTUFIN_TEST_PARENT_SECRET"];
    }
  });

  it("limits a worker's memory (MemoryError is a failed event)", async () => {
    await runWorker(
      wm,
      "def Process(event):\n    block = bytearray(1024 * 1024 * 1024)\n    return {'type': 'never', 'source': 'm', 'data': len(block)}\n",
      "t-mem",
    );
    const dead = new TopicRecorder(wm.pubsub, "t-mem-dead");
    await publishJson(wm.pubsub, "t-mem", { big: true });
    const [letter] = await dead.waitFor(1, 15_000);
    dead.stop();
    expect(letter!.metadata["errortype"]).toBe("MemoryError");
  });

  it("limits a JavaScript worker's heap (the process dies, the event fails, the worker comes back)", async () => {
    const code = `function Process(event) {
      if (event.data === "grow") { const keep = []; for (;;) keep.push(new Array(1_000_000).fill(Math.random())); }
      return { type: "x", source: "heap", data: process.pid };
    }`;
    await runWorker(wm, code, "t-heap", "text/javascript");
    const dead = new TopicRecorder(wm.pubsub, "t-heap-dead");
    await publishJson(wm.pubsub, "t-heap", "grow");
    const [letter] = await dead.waitFor(1, 25_000);
    dead.stop();
    expect(letter!.metadata["errortype"]).toBe("WorkerExited");
    expect(typeof jsonOf((await requestReply(wm, "t-heap", "pid")).reply)).toBe("number");
  }, 30_000);
});

describe("failures", () => {
  let wm: TestWorkManager;
  beforeAll(async () => {
    requirePython();
    // The platform's default backoff (200 ms x 2^n) and a short time limit.
    wm = await startWorkManager({ retryBaseDelayMs: 200, messageTimeoutMs: 1_000 });
  });
  afterAll(async () => wm?.close());

  it("retries a failing Process with backoff (200 ms, 400 ms) and succeeds on the third attempt", async () => {
    const code =
      "attempts = 0\ndef Process(event):\n    global attempts\n    attempts += 1\n    if attempts < 3:\n        raise RuntimeError('not yet')\n    return {'type': 'x', 'source': 'r', 'data': attempts}\n";
    await runWorker(wm, code, "t-retry");
    const started = Date.now();
    const { reply, correlationId } = await requestReply(wm, "t-retry", {});
    expect(Date.now() - started).toBeGreaterThanOrEqual(600 - 20);
    expect(jsonOf(reply)).toBe(3);
    expect(reply.metadata["correlationid"]).toBe(correlationId);
  });

  it("dead-letters to <topic>-dead after 3 attempts, with the error, and emits a failed lifecycle event", async () => {
    const id = await runWorker(
      wm,
      "def Process(event):\n    raise ValueError('bad input ' + str(event['data']['n']))\n",
      "t-fail",
    );
    const dead = new TopicRecorder(wm.pubsub, "t-fail-dead");
    const lifecycle = new TopicRecorder(wm.pubsub, LIFECYCLE_TOPIC);
    const sent = await publishJson(wm.pubsub, "t-fail", { n: 7 }, { correlationid: "corr-7" });
    const [letter] = await dead.waitFor(1, 10_000);
    dead.stop();
    expect(jsonOf(letter!)).toEqual({ n: 7 });
    expect(letter!.metadata).toMatchObject({
      "ce-id": sent.id,
      "ce-type": "com.example.request",
      correlationid: "corr-7",
      originaltopic: "t-fail",
      workerid: id,
      errortype: "ValueError",
      errormessage: "bad input 7",
      attempts: "3",
    });
    const [failed] = await lifecycle.waitFor(
      1,
      5_000,
      (e) => e.metadata["ce-type"] === "com.virtufin.workmanager.lifecycle.failed",
    );
    lifecycle.stop();
    expect(jsonOf(failed!)).toEqual({ worker_id: id, topic: "t-fail", error_type: "ValueError", error_message: "bad input 7" });
  });

  it("treats a result with __error__ as a failure", async () => {
    await runWorker(wm, "function Process() { return { __error__: 'told so' }; }", "t-err-key", "text/javascript");
    const dead = new TopicRecorder(wm.pubsub, "t-err-key-dead");
    await publishJson(wm.pubsub, "t-err-key", {});
    const [letter] = await dead.waitFor(1, 10_000);
    dead.stop();
    expect(letter!.metadata["errormessage"]).toBe("told so");
  });

  it("kills a hung worker at the time limit and restarts it", async () => {
    const code =
      "import os, time\ndef Process(event):\n    if event['data'] == 'hang':\n        time.sleep(60)\n    return {'type': 'x', 'source': 'h', 'data': os.getpid()}\n";
    await runWorker(wm, code, "t-hang");
    const before = jsonOf((await requestReply(wm, "t-hang", "pid")).reply);
    const dead = new TopicRecorder(wm.pubsub, "t-hang-dead");
    const started = Date.now();
    await publishJson(wm.pubsub, "t-hang", "hang");
    const [letter] = await dead.waitFor(1, 15_000);
    dead.stop();
    expect(letter!.metadata["errortype"]).toBe("TimeoutError");
    expect(Date.now() - started).toBeLessThan(10_000);
    const after = jsonOf((await requestReply(wm, "t-hang", "pid")).reply);
    expect(typeof after).toBe("number");
    expect(after).not.toBe(before);
  });

  it("restarts a worker whose process exits", async () => {
    const code =
      "import os\ndef Process(event):\n    if event['data'] == 'exit':\n        os._exit(3)\n    return {'type': 'x', 'source': 'e', 'data': os.getpid()}\n";
    await runWorker(wm, code, "t-exit");
    const before = jsonOf((await requestReply(wm, "t-exit", "pid")).reply);
    const dead = new TopicRecorder(wm.pubsub, "t-exit-dead");
    await publishJson(wm.pubsub, "t-exit", "exit");
    const [letter] = await dead.waitFor(1, 10_000);
    dead.stop();
    expect(letter!.metadata["errortype"]).toBe("WorkerExited");
    const after = jsonOf((await requestReply(wm, "t-exit", "pid")).reply);
    expect(typeof after).toBe("number");
    expect(after).not.toBe(before);
  });
});
