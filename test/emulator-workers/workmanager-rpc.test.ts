/**
 * WorkManager RPCs through a real gRPC client: every RPC, idempotency, history, persistence,
 * recovery, lifecycle events and the error codes.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { INDEX_KEY, LIFECYCLE_TOPIC, STATE_SERVICE, workerKey } from "../../emulator/workmanager/index.js";
import { WorkerStatus } from "../../generated/virtufin/workmanager_pb.js";
import {
  TopicRecorder,
  createBackends,
  fixture,
  jsonOf,
  requirePython,
  startWorkManager,
  type TestWorkManager,
} from "./harness.js";

const PY = "def Process(event):\n    return None\n";
const content = (code: string) => ({ source: { case: "content" as const, value: new TextEncoder().encode(code) } });

async function expectCode(promise: Promise<unknown>, code: Code, message?: RegExp): Promise<void> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, "the call should have failed").toBeInstanceOf(ConnectError);
  expect(Code[(err as ConnectError).code]).toBe(Code[code]);
  if (message) expect((err as ConnectError).rawMessage).toMatch(message);
}

describe("WorkManager RPCs", () => {
  let wm: TestWorkManager;
  let lifecycle: TopicRecorder;

  beforeAll(async () => {
    requirePython();
    wm = await startWorkManager();
    lifecycle = new TopicRecorder(wm.pubsub, LIFECYCLE_TOPIC);
  });
  afterAll(async () => {
    lifecycle?.stop();
    await wm?.close();
  });

  it("creates a worker STOPPED from the seed's example code and lists it", async () => {
    const code = fixture("seed-time-worker.py");
    const { id } = await wm.client.createWorker({
      codeSource: { source: { case: "content", value: code } },
      mimeType: "text/x-python",
      topic: "time-worker-topic",
    });
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const listed = (await wm.client.listWorkers({})).workers.find((w) => w.id === id);
    expect(listed).toBeDefined();
    expect(listed?.status).toBe(WorkerStatus.STOPPED);
    expect(listed?.language).toBe("Python");
    expect(listed?.mimeType).toBe("text/x-python");
    expect(listed?.topic).toBe("time-worker-topic");
    expect(listed?.group).toBe("");
    expect(listed?.codeSource?.source).toEqual({ case: "content", value: code });
    expect(Number.isNaN(Date.parse(listed?.createdAt ?? ""))).toBe(false);
    await wm.client.deleteWorker({ id });
  });

  it("starts and stops idempotently, keeps history oldest first, deletes", async () => {
    const { id } = await wm.client.createWorker({
      codeSource: content(PY),
      mimeType: "text/x-python",
      topic: "t-lifecycle",
      group: "g1",
    });
    const status = async () => (await wm.client.listWorkers({})).workers.find((w) => w.id === id)?.status;
    await wm.client.startWorker({ id });
    expect(await status()).toBe(WorkerStatus.RUNNING);
    await wm.client.startWorker({ id });
    expect(await status()).toBe(WorkerStatus.RUNNING);
    await wm.client.stopWorker({ id });
    expect(await status()).toBe(WorkerStatus.STOPPED);
    await wm.client.stopWorker({ id });
    expect(await status()).toBe(WorkerStatus.STOPPED);

    const v2 = fixture("seed-time-worker-v2.py");
    await wm.client.loadCodeFromContent({ id, content: v2 });
    expect(await status()).toBe(WorkerStatus.STOPPED);
    const { entries } = await wm.client.getWorkerHistory({ id });
    expect(entries.map((e) => e.codeSource?.source.value)).toEqual([new TextEncoder().encode(PY), v2]);
    expect(Date.parse(entries[0]?.createdAt ?? "")).toBeLessThanOrEqual(Date.parse(entries[1]?.createdAt ?? ""));

    await wm.client.startWorker({ id });
    await wm.client.deleteWorker({ id });
    expect((await wm.client.listWorkers({})).workers.some((w) => w.id === id)).toBe(false);
    await expectCode(wm.client.deleteWorker({ id }), Code.NotFound);

    const types = (
      await lifecycle.waitFor(
        1,
        5_000,
        (e) => e.metadata["ce-subject"] === id && e.metadata["ce-type"]?.endsWith(".deleted") === true,
      )
    ).map((e) => e.metadata["ce-type"]);
    expect(types).toHaveLength(1);
    const seen = lifecycle.events
      .filter((e) => (jsonOf(e) as { worker_id: string }).worker_id === id)
      .map((e) => e.metadata["ce-type"]?.split(".").pop());
    expect(seen).toEqual([
      "registered",
      "starting",
      "online",
      "stopping",
      "stopped",
      "codeloaded",
      "starting",
      "online",
      "stopping",
      "stopped",
      "deleted",
    ]);
    const first = jsonOf(lifecycle.events.find((e) => e.metadata["ce-subject"] === id) as never);
    expect(first).toEqual({ worker_id: id, topic: "t-lifecycle", group: "g1" });
  });

  it("answers NOT_FOUND for unknown ids", async () => {
    const id = "00000000-0000-0000-0000-000000000000";
    await expectCode(wm.client.startWorker({ id }), Code.NotFound);
    await expectCode(wm.client.stopWorker({ id }), Code.NotFound);
    await expectCode(wm.client.deleteWorker({ id }), Code.NotFound);
    await expectCode(wm.client.getWorkerHistory({ id }), Code.NotFound);
    await expectCode(wm.client.loadCodeFromContent({ id, content: new TextEncoder().encode(PY) }), Code.NotFound);
    await expectCode(wm.client.loadCodeFromUrl({ id, url: "http://127.0.0.1:1/x.py" }), Code.NotFound);
  });

  it("answers INVALID_ARGUMENT for bad arguments", async () => {
    const ok = { codeSource: content(PY), mimeType: "text/x-python", topic: "t" };
    await expectCode(wm.client.createWorker({ ...ok, mimeType: "" }), Code.InvalidArgument, /mime_type is required/);
    await expectCode(wm.client.createWorker({ ...ok, mimeType: "text/x-cobol" }), Code.InvalidArgument, /unknown MIME type/);
    await expectCode(
      wm.client.createWorker({ ...ok, mimeType: "text/x-csharp" }),
      Code.InvalidArgument,
      /not supported by the emulator/,
    );
    await expectCode(wm.client.createWorker({ ...ok, codeSource: content("") }), Code.InvalidArgument, /empty/);
    await expectCode(wm.client.createWorker({ ...ok, codeSource: undefined }), Code.InvalidArgument, /code_source is required/);
    await expectCode(wm.client.createWorker({ ...ok, topic: "" }), Code.InvalidArgument, /topic is required/);
    await expectCode(
      wm.client.createWorker({ ...ok, codeSource: { source: { case: "url", value: "/relative/worker.py" } } }),
      Code.InvalidArgument,
      /absolute/,
    );
    await expectCode(
      wm.client.createWorker({ ...ok, codeSource: { source: { case: "url", value: "ftp://example.com/w.py" } } }),
      Code.InvalidArgument,
      /http or https/,
    );
    await expectCode(
      wm.client.createWorker({ ...ok, codeSource: content("def Process(event:\n") }),
      Code.InvalidArgument,
      /SyntaxError/,
    );
    await expectCode(
      wm.client.createWorker({ ...ok, codeSource: content("x = 1\n") }),
      Code.InvalidArgument,
      /no Process\(event\) function/,
    );
    await expectCode(
      wm.client.createWorker({ ...ok, mimeType: "text/javascript", codeSource: content("const x = 1;") }),
      Code.InvalidArgument,
      /no Process/,
    );

    const { id } = await wm.client.createWorker(ok);
    await expectCode(wm.client.loadCodeFromContent({ id, content: new Uint8Array() }), Code.InvalidArgument, /empty/);
    await expectCode(
      wm.client.loadCodeFromContent({ id, content: new TextEncoder().encode("def Process(:") }),
      Code.InvalidArgument,
      /SyntaxError/,
    );
    await expectCode(wm.client.loadCodeFromUrl({ id, url: "file:///etc/passwd" }), Code.InvalidArgument, /http or https/);
    // A failed reload keeps the history (and the code) as it was.
    expect((await wm.client.getWorkerHistory({ id })).entries).toHaveLength(1);
    await wm.client.deleteWorker({ id });
  });

  it("persists workers in the state store and removes them on delete", async () => {
    const { id } = await wm.client.createWorker({ codeSource: content(PY), mimeType: "text/x-python", topic: "t-persist" });
    const stored: unknown = JSON.parse((await wm.state.get(STATE_SERVICE, workerKey(id)))?.value ?? "null");
    expect(stored).toMatchObject({
      id,
      mimeType: "text/x-python",
      topic: "t-persist",
      history: [{ codeSource: { content: Buffer.from(PY).toString("base64") } }],
    });
    expect(JSON.parse((await wm.state.get(STATE_SERVICE, INDEX_KEY))?.value ?? "[]")).toContain(id);
    await wm.client.deleteWorker({ id });
    expect(await wm.state.get(STATE_SERVICE, workerKey(id))).toBeUndefined();
    expect(JSON.parse((await wm.state.get(STATE_SERVICE, INDEX_KEY))?.value ?? "[]")).not.toContain(id);
  });
});

describe("WorkManager recovery", () => {
  it("RecoverWorkers reloads persisted workers RUNNING and returns the count", async () => {
    requirePython();
    const backends = createBackends();
    const first = await startWorkManager({}, backends);
    const a = await first.client.createWorker({ codeSource: content(PY), mimeType: "text/x-python", topic: "t-recover" });
    const b = await first.client.createWorker({
      codeSource: content("function Process(e) { return null; }"),
      mimeType: "text/javascript",
      topic: "t-recover",
    });
    await first.client.stopWorker({ id: a.id });
    await first.close();

    // A second WorkManager over the same state is the emulator after a restart.
    const second = await startWorkManager({ recoverOnStart: false }, backends);
    try {
      expect((await second.client.listWorkers({})).workers).toHaveLength(0);
      expect((await second.client.recoverWorkers({})).recoveredCount).toBe(2);
      const workers = (await second.client.listWorkers({})).workers;
      expect(workers.map((w) => w.id).sort()).toEqual([a.id, b.id].sort());
      expect(workers.every((w) => w.status === WorkerStatus.RUNNING)).toBe(true);
      // Recovering again counts the same workers without duplicating them.
      expect((await second.client.recoverWorkers({})).recoveredCount).toBe(2);
      expect((await second.client.listWorkers({})).workers).toHaveLength(2);
    } finally {
      await second.close();
    }

    // With recoverOnStart (the default), a restart brings them back by itself.
    const third = await startWorkManager({}, backends);
    try {
      const workers = (await third.client.listWorkers({})).workers;
      expect(workers).toHaveLength(2);
      expect(workers.every((w) => w.status === WorkerStatus.RUNNING)).toBe(true);
    } finally {
      await third.close();
    }
  });
});

describe("WorkManager without python3", () => {
  it("fails CreateWorker with FAILED_PRECONDITION saying how to install python3", async () => {
    const wm = await startWorkManager({ pythonCommand: "python3-not-installed-here" });
    try {
      await expectCode(
        wm.client.createWorker({ codeSource: content(PY), mimeType: "text/x-python", topic: "t" }),
        Code.FailedPrecondition,
        /apt-get install python3/,
      );
      expect((await wm.client.listWorkers({})).workers).toHaveLength(0);
    } finally {
      await wm.close();
    }
  });
});
