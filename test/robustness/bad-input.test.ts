/**
 * Issue 6, item 7 (named cases): bad input through the public APIs is refused with the right
 * code and changes nothing. Malformed JSON and wrong types in InvokeJson, unknown services and
 * methods, messages above the 4 MiB limit (RESOURCE_EXHAUSTED on gRPC and on Connect over
 * HTTP/1.1), invalid topics, keys and URLs, and empty ids. A worker and saved state set up
 * before must be exactly as they were afterwards. The fuzz test (fuzz.test.ts) throws
 * thousands of generated variants of these at the emulator.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ECHO_CODE, JAVASCRIPT, expectServing, roundTrip, runWorker, startRig, type Rig } from "./helpers.js";

const MiB = 1024 * 1024;

/** The gRPC code a call ended with ("OK" when it succeeded). */
async function codeOf(call: Promise<unknown>): Promise<Code | "OK"> {
  try {
    await call;
    return "OK";
  } catch (err) {
    return ConnectError.from(err).code;
  }
}

describe("bad input through the APIs", () => {
  let rig: Rig;
  let workerId: string;
  let before: { value: string; etag: string };

  beforeAll(async () => {
    rig = await startRig();
    await rig.raw.state.saveState({ service: "robust", key: "kept", value: '{"balance": 100}' });
    before = await rig.raw.state.getState({ service: "robust", key: "kept" });
    workerId = await runWorker(rig, ECHO_CODE[JAVASCRIPT]!, JAVASCRIPT, "robust-echo");
  });

  afterAll(async () => {
    // Nothing above touched what was set up first.
    if (rig) {
      const after = await rig.raw.state.getState({ service: "robust", key: "kept" });
      expect(after).toMatchObject({ value: before.value, etag: before.etag });
      const workers = (await rig.raw.workmanager.listWorkers({})).workers.map((w) => w.id);
      expect(workers).toContain(workerId);
      expect(await roundTrip(rig.api, "robust-echo", { still: "here" })).toMatchObject({ echo: { still: "here" } });
      await expectServing(rig.emulator);
    }
    await rig?.close();
  });

  it("answers malformed JSON and wrong types in InvokeJson in-band with INVALID_ARGUMENT", async () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    const cases: [string, string][] = [
      ["ListWorkers", "{"],
      ["ListWorkers", "[1, 2]"],
      ["ListWorkers", '"a string"'],
      ["ListWorkers", "null"],
      ["ListWorkers", "\u0000\uffff"],
      ["ListWorkers", '{"unknown_field": 1}'],
      ["StartWorker", '{"id": 42}'],
      ["StartWorker", '{"id": ["a"]}'],
      ["StartWorker", '{"id": {"nested": true}}'],
      ["CreateWorker", '{"topic": false, "mime_type": 3}'],
      ["CreateWorker", '{"code_source": {"content": "not base64 ***"}}'],
      ["CreateWorker", '{"code_source": "x"}'],
      ["GetWorkerHistory", '{"id": 1e400}'],
      ["ListWorkers", deep],
      ["ListWorkers", `{"a": ${deep}}`],
    ];
    for (const [method, requestData] of cases) {
      const answer = await rig.raw.gateway.invokeJson({ service: "workmanager", method, requestData });
      expect({ method, requestData: requestData.slice(0, 40), success: answer.success, status: answer.status }).toEqual({
        method,
        requestData: requestData.slice(0, 40),
        success: false,
        status: "INVALID_ARGUMENT",
      });
    }
    // The same through the platform client: a thrown VirtufinError, not a crash.
    expect(await codeOf(rig.api.invoke("workmanager", "StartWorker", { id: 42 }))).toBe(Code.InvalidArgument);
  });

  it("answers unknown services and methods with NOT_FOUND", async () => {
    for (const [service, method] of [
      ["nope", "ListWorkers"],
      ["", ""],
      ["workmanager", "Nope"],
      ["workmanager", ""],
      ["workmanager", "listworkers "],
      ["../workmanager", "ListWorkers"],
      ["workmanager\u0000", "ListWorkers"],
    ]) {
      const answer = await rig.raw.gateway.invokeJson({ service, method, requestData: "{}" });
      expect({ service, method, status: answer.status }).toEqual({ service, method, status: "NOT_FOUND" });
      const binary = await rig.raw.gateway.invoke({ service, method, requestData: new Uint8Array([1, 2, 3]) });
      expect(binary.status).toBe("NOT_FOUND");
    }
    expect(await codeOf(rig.raw.gateway.listMethods({ service: "nope" }))).toBe(Code.NotFound);
    expect(await codeOf(rig.raw.gateway.getMethodSchema({ service: "workmanager", method: "Nope" }))).toBe(Code.NotFound);
    expect(
      await codeOf(rig.raw.gateway.getMethodSchema({ service: "workmanager", method: "ListWorkers", type: "sideways" })),
    ).toBe(Code.InvalidArgument);
    expect(await codeOf(rig.raw.config.getService({ name: "nope" }))).toBe(Code.NotFound);
    expect(await codeOf(rig.raw.config.getService({ name: "" }))).toBe(Code.InvalidArgument);
  });

  it("refuses messages above 4 MiB with RESOURCE_EXHAUSTED on every server and protocol, and accepts one just below", async () => {
    const big = "x".repeat(5 * MiB);
    const oversized = [
      rig.raw.state.saveState({ service: "robust", key: "big", value: big }),
      rig.raw.stateWeb.saveState({ service: "robust", key: "big", value: big }),
      rig.raw.pubsub.publishEvent({ topic: "robust-big", data: new Uint8Array(5 * MiB) }),
      rig.raw.gateway.invokeJson({ service: "workmanager", method: "ListWorkers", requestData: big }),
      rig.raw.gatewayWeb.invokeJson({ service: "workmanager", method: "ListWorkers", requestData: big }),
      rig.raw.workmanager.createWorker({
        codeSource: { source: { case: "content", value: new Uint8Array(5 * MiB) } },
        mimeType: JAVASCRIPT,
        topic: "t",
      }),
      rig.raw.websocketmanager.sendRaw({ id: "x", message: new Uint8Array(5 * MiB) }),
      rig.api.state.save("robust", "big", big),
    ];
    for (const code of await Promise.all(oversized.map(codeOf))) expect(code).toBe(Code.ResourceExhausted);
    // The next calls of the same HTTP/1.1 client work: the refused upload's connection was
    // announced closed, not handed back to the pool to fail with ECONNRESET.
    for (let i = 0; i < 3; i++) {
      expect(await codeOf(rig.raw.stateWeb.saveState({ service: "robust", key: "big", value: big }))).toBe(
        Code.ResourceExhausted,
      );
      expect((await rig.raw.stateWeb.getState({ service: "robust", key: "kept" })).value).toBe(before.value);
    }
    // Just below the limit is fine, and reads back whole.
    const almost = "y".repeat(4 * MiB - 1024);
    await rig.raw.state.saveState({ service: "robust", key: "almost", value: almost });
    expect((await rig.raw.state.getState({ service: "robust", key: "almost" })).value.length).toBe(almost.length);
    expect((await rig.raw.state.getState({ service: "robust", key: "big" })).value).toBe("");
  });

  it("refuses invalid topics, keys and URLs with INVALID_ARGUMENT", async () => {
    for (const topic of ["", " ", "\t\n", "a b", "x".repeat(257), "tab\there"]) {
      expect(
        await codeOf(rig.raw.pubsub.publishEvent({ topic, data: new Uint8Array([1]) })),
        `publish "${topic.slice(0, 20)}"`,
      ).toBe(Code.InvalidArgument);
      const stream = rig.raw.pubsub.subscribe({ topic }, { timeoutMs: 5_000 });
      expect(
        await codeOf(
          (async () => {
            for await (const _ of stream) break;
          })(),
        ),
        `subscribe "${topic.slice(0, 20)}"`,
      ).toBe(Code.InvalidArgument);
    }
    for (const [service, key] of [
      ["", "k"],
      ["s", ""],
      [" ", "k"],
      ["s", " \n"],
      ["", ""],
    ]) {
      expect(await codeOf(rig.raw.state.saveState({ service, key, value: "v" }))).toBe(Code.InvalidArgument);
      expect(await codeOf(rig.raw.state.getState({ service, key }))).toBe(Code.InvalidArgument);
      expect(await codeOf(rig.raw.state.deleteState({ service, key }))).toBe(Code.InvalidArgument);
    }
    expect(await codeOf(rig.raw.state.getAllState({ service: "" }))).toBe(Code.InvalidArgument);
    // A wrong etag on an existing key is ABORTED and writes nothing.
    expect(
      await codeOf(rig.raw.state.saveState({ service: "robust", key: "kept", value: "overwritten", etag: "not-the-etag" })),
    ).toBe(Code.Aborted);
    for (const url of ["", "http://example.com/ws", "not a url", "ws://", "ws://host/#frag", "javascript:alert(1)"]) {
      expect(await codeOf(rig.raw.websocketmanager.connect({ url })), url).toBe(Code.InvalidArgument);
    }
    for (const mimeType of ["", "text/x-csharp", "application/x-native-dll", "text/javascript; charset=evil"]) {
      const code = await codeOf(
        rig.raw.workmanager.createWorker({
          codeSource: { source: { case: "content", value: new Uint8Array([0x78]) } },
          mimeType,
          topic: "t",
        }),
      );
      expect(code, mimeType).toBe(Code.InvalidArgument);
    }
    for (const url of [
      "http://127.0.0.1/code.py",
      "file:///etc/passwd",
      "http://169.254.169.254/latest/meta-data",
      "ftp://x/y",
    ]) {
      const code = await codeOf(
        rig.raw.workmanager.createWorker({
          codeSource: { source: { case: "url", value: url } },
          mimeType: "text/x-python",
          topic: "t",
        }),
      );
      expect(code, url).toBe(Code.InvalidArgument);
    }
    expect(
      await codeOf(
        rig.raw.workmanager.createWorker({
          codeSource: { source: { case: "content", value: new Uint8Array([0xff, 0xfe]) } },
          mimeType: JAVASCRIPT,
          topic: "t",
        }),
      ),
    ).toBe(Code.InvalidArgument);
    expect(await codeOf(rig.raw.workmanager.createWorker({ mimeType: JAVASCRIPT, topic: "t" }))).toBe(Code.InvalidArgument);
    expect(
      await codeOf(
        rig.raw.workmanager.createWorker({
          codeSource: { source: { case: "content", value: new TextEncoder().encode(ECHO_CODE[JAVASCRIPT]) } },
          mimeType: JAVASCRIPT,
          topic: "  ",
        }),
      ),
    ).toBe(Code.InvalidArgument);
  });

  it("answers empty and unknown ids with NOT_FOUND (unsubscribing an unknown id succeeds, as documented)", async () => {
    for (const id of ["", " ", "00000000-0000-0000-0000-000000000000", "x".repeat(10_000), "\u0000"]) {
      const wm = rig.raw.workmanager;
      const wmCalls = [
        () => wm.startWorker({ id }),
        () => wm.stopWorker({ id }),
        () => wm.deleteWorker({ id }),
        () => wm.getWorkerHistory({ id }),
        () => wm.loadCodeFromContent({ id, content: new Uint8Array([0x78]) }),
      ];
      for (const call of wmCalls) expect(await codeOf(call()), `${call.toString()} "${id.slice(0, 10)}"`).toBe(Code.NotFound);
      const wsm = rig.raw.websocketmanager;
      const wsmCalls = [
        () => wsm.disconnect({ id }),
        () => wsm.getTag({ id, key: "k" }),
        () => wsm.setTag({ id, key: "k", value: "v" }),
        () => wsm.getTags({ id }),
        () => wsm.send({ id, message: new Uint8Array([1]) }),
        () => wsm.sendRaw({ id, message: new Uint8Array([1]) }),
        () => wsm.startPublish({ id, topic: "t" }),
        () => wsm.stopPublish({ id }),
      ];
      for (const call of wsmCalls) expect(await codeOf(call()), `${call.toString()} "${id.slice(0, 10)}"`).toBe(Code.NotFound);
      expect(await codeOf(rig.raw.pubsub.unsubscribe({ subscriptionId: id }))).toBe("OK");
    }
  });
});
