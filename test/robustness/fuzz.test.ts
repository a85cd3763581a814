/**
 * Issue 6, item 7 (generated): a property-based test (fast-check, seeded) throws 2,000
 * generated requests at every public RPC of the emulator — InvokeJson and Invoke with random
 * services, methods and bodies, State with random services, keys, values and etags, Pubsub
 * with random topics, data and metadata (also on the system topics and on a worker's topic),
 * short-lived subscriptions, WorkManager and WebSocketManager calls with random ids, URLs and
 * MIME types, Config and schema look-ups, and Connect-protocol JSON with fields of every JSON type
 * on the HTTP/1.1 server.
 *
 * The property: every call settles within its deadline with success or with a deliberate code
 * (INVALID_ARGUMENT, NOT_FOUND, ...), never INTERNAL, UNKNOWN or a time-out. Afterwards the
 * state saved before is unchanged (values and etags), the worker is listed and answers, the
 * Gateway event streams opened before are still streaming, no subscription leaked, and every
 * server answers.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient } from "../../platform/api-client.js";
import { ECHO_CODE, JAVASCRIPT, expectServing, roundTrip, runWorker, startRig, waitFor, type Rig } from "./helpers.js";

const SEED = 6_007;
const NUM_RUNS = 2_000;
/** The time budget of the generated phase; the test fails if fewer than MIN_RUNS ran in it. */
const BUDGET_MS = 45_000;
const MIN_RUNS = 1_500;
const CALL_TIMEOUT_MS = 5_000;

/** The service the protected state lives in: a UUID no generated name can hit. */
const PROTECTED = `protected-${crypto.randomUUID()}`;
const WORKER_TOPIC = "fuzz-echo";

/** Codes a bad request may be answered with. Anything else (INTERNAL, UNKNOWN, a time-out) fails. */
const DELIBERATE = new Set<Code>([
  Code.InvalidArgument,
  Code.NotFound,
  Code.Unimplemented,
  Code.FailedPrecondition,
  Code.Aborted,
  Code.ResourceExhausted,
]);
const DELIBERATE_NAMES = new Set([
  "OK",
  "INVALID_ARGUMENT",
  "NOT_FOUND",
  "UNIMPLEMENTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "RESOURCE_EXHAUSTED",
]);

// ---- arbitraries ---------------------------------------------------------------------------

const weird = fc.oneof(
  fc.constantFrom(
    "",
    " ",
    "\t",
    "\n",
    "\u0000",
    "..",
    "/",
    "*",
    "💥",
    "a b",
    "null",
    "undefined",
    "__proto__",
    "constructor",
    "x".repeat(257),
    "ü".repeat(300),
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
);
const serviceName = fc.oneof(
  fc.constantFrom("workmanager", "websocketmanager", "virtufin.Gateway", "Gateway", "virtufin.State", "grpc.health.v1.Health"),
  weird,
);
const methodName = fc.oneof(
  fc.constantFrom(
    "ListWorkers",
    "CreateWorker",
    "StartWorker",
    "StopWorker",
    "DeleteWorker",
    "GetWorkerHistory",
    "LoadCodeFromContent",
    "LoadCodeFromUrl",
    "RecoverWorkers",
    "Connect",
    "List",
    "Disconnect",
    "Send",
    "SetTag",
    "GetTags",
    "ListServices",
    "Check",
  ),
  weird,
);
const jsonText = fc.oneof(
  fc.json({ maxDepth: 4 }),
  fc.string({ maxLength: 80 }),
  fc
    .record(
      {
        id: fc.jsonValue({ maxDepth: 2 }),
        topic: fc.jsonValue({ maxDepth: 2 }),
        mime_type: fc.jsonValue({ maxDepth: 1 }),
        code_source: fc.jsonValue({ maxDepth: 2 }),
        url: fc.jsonValue({ maxDepth: 1 }),
        tags: fc.jsonValue({ maxDepth: 2 }),
      },
      { requiredKeys: [] },
    )
    .map((v) => JSON.stringify(v)),
  fc.nat({ max: 5_000 }).map((n) => "[".repeat(n) + "]".repeat(n)),
);
const bytes = fc.uint8Array({ maxLength: 512 });
const topic = fc.oneof(
  fc.constantFrom("state-changes", "system-events", "workmanager.lifecycle", WORKER_TOPIC, `${WORKER_TOPIC}-dead`, "fuzz-topic"),
  weird,
);
const metadata = fc.dictionary(
  fc.oneof(
    fc.constantFrom(
      "ce-id",
      "ce-type",
      "ce-time",
      "ce-source",
      "ce-specversion",
      "ce-datacontenttype",
      "replytopic",
      "correlationid",
      "service",
      "ce-",
    ),
    fc.string({ maxLength: 12 }),
  ),
  fc.oneof(
    fc.constantFrom("application/json", "text/plain", "", "not a time", "reply-fuzz", "1.0"),
    fc.string({ maxLength: 30 }),
  ),
  { maxKeys: 5 },
);
const stateService = weird.filter((s) => s !== PROTECTED);
const id = fc.oneof(weird, fc.uuid());
const url = fc.oneof(
  fc.constantFrom(
    "ws://127.0.0.1:1/fuzz",
    "wss://",
    "ws://[::1",
    "http://127.0.0.1/",
    "file:///etc/passwd",
    "ws://user:pass@127.0.0.1:1/?token=x",
  ),
  fc.webUrl(),
  weird,
);
const mimeType = fc.oneof(
  fc.constantFrom("text/x-python", "text/javascript", "application/javascript", "application/x-python", "text/x-csharp"),
  weird,
);

const CONNECT_JSON_PATHS = [
  "/virtufin.State/SaveState",
  "/virtufin.State/GetState",
  "/virtufin.State/RegisterKeys",
  "/virtufin.Pubsub/PublishEvent",
  "/virtufin.Gateway/InvokeJson",
  "/virtufin.Gateway/GetMethodSchema",
  "/virtufin.Config/GetService",
];
/** JSON objects with the request fields of those methods, holding values of any JSON type. */
const connectJsonFields = fc
  .record(
    {
      service: fc.jsonValue({ maxDepth: 1 }),
      key: fc.jsonValue({ maxDepth: 1 }),
      value: fc.jsonValue({ maxDepth: 1 }),
      etag: fc.jsonValue({ maxDepth: 1 }),
      topic: fc.jsonValue({ maxDepth: 1 }),
      data: fc.jsonValue({ maxDepth: 1 }),
      metadata: fc.jsonValue({ maxDepth: 2 }),
      keys: fc.jsonValue({ maxDepth: 2 }),
      name: fc.jsonValue({ maxDepth: 1 }),
      method: fc.jsonValue({ maxDepth: 1 }),
      requestData: fc.jsonValue({ maxDepth: 1 }),
    },
    { requiredKeys: [] },
  )
  .filter((v) => v.service !== PROTECTED)
  .map((v) => JSON.stringify(v));

/** One generated request: what to call, as a thunk taking the rig. */
type Request = {
  readonly label: string;
  readonly call: (rig: Rig, signal: AbortSignal) => Promise<unknown>;
  readonly stream?: boolean;
};
const req = (label: string, call: Request["call"], stream = false): Request => ({ label, call, stream });

const requests: fc.Arbitrary<Request> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(serviceName, methodName, jsonText)
      .map(([service, method, requestData]) =>
        req(`InvokeJson ${service}/${method} ${requestData.slice(0, 30)}`, (r) =>
          invokeJsonInBand(r, service, method, requestData),
        ),
      ),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(serviceName, methodName, bytes)
      .map(([service, method, data]) => req(`Invoke ${service}/${method}`, (r) => invokeInBand(r, service, method, data))),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(stateService, weird, fc.string({ maxLength: 200 }), fc.oneof(fc.constant(""), weird))
      .map(([service, key, value, etag]) =>
        req(`SaveState ${service}/${key}`, (r) => r.raw.state.saveState({ service, key, value, etag })),
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(stateService, weird)
      .map(([service, key]) => req(`GetState ${service}/${key}`, (r) => r.raw.state.getState({ service, key }))),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(stateService, weird)
      .map(([service, key]) => req(`DeleteState ${service}/${key}`, (r) => r.raw.state.deleteState({ service, key }))),
  },
  {
    weight: 1,
    arbitrary: stateService.map((service) => req(`GetAllState ${service}`, (r) => r.raw.state.getAllState({ service }))),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(stateService, fc.array(weird, { maxLength: 4 }))
      .map(([service, keys]) => req(`RegisterKeys ${service}`, (r) => r.raw.state.registerKeys({ service, keys }))),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(topic, bytes, metadata)
      .map(([t, data, meta]) => req(`PublishEvent ${t}`, (r) => r.raw.pubsub.publishEvent({ topic: t, data, metadata: meta }))),
  },
  {
    weight: 1,
    arbitrary: topic.map((t) =>
      req(`Subscribe ${t}`, (r, signal) => drain(r.raw.pubsub.subscribe({ topic: t }, { signal })), true),
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.array(weird, { maxLength: 2 }), fc.array(topic, { maxLength: 2 }), fc.array(weird, { maxLength: 2 }))
      .map(([services, topics, eventTypes]) =>
        req(
          "Gateway.Subscribe",
          (r, signal) => drain(r.raw.gateway.subscribe({ services, topics, eventTypes }, { signal })),
          true,
        ),
      ),
  },
  { weight: 1, arbitrary: id.map((i) => req(`Unsubscribe ${i}`, (r) => r.raw.pubsub.unsubscribe({ subscriptionId: i }))) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom(
          "startWorker",
          "stopWorker",
          "deleteWorker",
          "getWorkerHistory",
          "loadCodeFromContent",
          "loadCodeFromUrl",
        ),
        id,
        url,
      )
      .map(([m, i, u]) =>
        req(`WorkManager.${m} ${i}`, (r) => {
          const wm = r.raw.workmanager;
          if (m === "loadCodeFromContent") return wm.loadCodeFromContent({ id: i, content: new TextEncoder().encode(u) });
          if (m === "loadCodeFromUrl") return wm.loadCodeFromUrl({ id: i, url: u });
          return wm[m]({ id: i });
        }),
      ),
  },
  {
    weight: 2,
    // Bad MIME types or a blank topic: refused before any process starts; URLs: refused by the allow-list.
    arbitrary: fc
      .tuple(
        mimeType,
        fc.oneof(fc.constantFrom("", " ", "\n"), weird),
        fc.oneof(
          url.map((u) => ({ case: "url" as const, value: u })),
          bytes.map((b) => ({ case: "content" as const, value: b })),
        ),
      )
      .map(([mime, t, source]) =>
        req(`CreateWorker ${mime} "${t}" ${source.case}`, (r) => {
          const runnable =
            ["text/x-python", "text/javascript", "application/javascript"].includes(mime) &&
            t.trim() !== "" &&
            source.case === "content";
          return r.raw.workmanager.createWorker({
            mimeType: runnable ? "text/x-csharp" : mime,
            topic: t,
            codeSource: { source },
          });
        }),
      ),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom(
          "connect",
          "disconnect",
          "getTag",
          "setTag",
          "setTags",
          "getTags",
          "send",
          "sendRaw",
          "startPublish",
          "stopPublish",
          "list",
        ),
        id,
        url,
        weird,
        bytes,
      )
      .map(([m, i, u, s, data]) =>
        req(`WebSocketManager.${m} ${i}`, (r) => {
          const wsm = r.raw.websocketmanager;
          switch (m) {
            case "connect":
              return wsm.connect({ url: u, autoReconnect: false, tags: { [s]: s } });
            case "getTag":
              return wsm.getTag({ id: i, key: s });
            case "setTag":
              return wsm.setTag({ id: i, key: s, value: s });
            case "setTags":
              return wsm.setTags({ id: i, tags: { [s]: u } });
            case "send":
              return wsm.send({ id: i, message: data, timeoutMs: 100 });
            case "sendRaw":
              return wsm.sendRaw({ id: i, message: data, contentType: s });
            case "startPublish":
              return wsm.startPublish({ id: i, topic: s });
            case "list":
              return wsm.list({ filters: [{ key: s, value: u }] });
            default:
              return wsm[m]({ id: i });
          }
        }),
      ),
  },
  {
    weight: 3,
    // The Connect protocol's JSON on the HTTP/1.1 server: the server's own JSON parsing.
    arbitrary: fc
      .tuple(fc.constantFrom(...CONNECT_JSON_PATHS), fc.oneof(fc.json({ maxDepth: 3 }), connectJsonFields))
      .map(([path, body]) => req(`ConnectJSON ${path} ${body.slice(0, 30)}`, (r, signal) => connectJson(r, path, body, signal))),
  },
  { weight: 1, arbitrary: weird.map((name) => req(`Config.GetService ${name}`, (r) => r.raw.config.getService({ name }))) },
  {
    weight: 1,
    arbitrary: serviceName.map((service) => req(`ListMethods ${service}`, (r) => r.raw.gateway.listMethods({ service }))),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(serviceName, methodName, weird)
      .map(([service, method, type]) =>
        req(`GetMethodSchema ${service}/${method} ${type}`, (r) => r.raw.gateway.getMethodSchema({ service, method, type })),
      ),
  },
);

// ---- calls ---------------------------------------------------------------------------------

/** InvokeJson answers in-band: a non-deliberate status is thrown as an error with that status. */
async function invokeJsonInBand(rig: Rig, service: string, method: string, requestData: string): Promise<void> {
  const answer = await rig.raw.gateway.invokeJson({ service, method, requestData }, { timeoutMs: CALL_TIMEOUT_MS });
  if (!DELIBERATE_NAMES.has(answer.status) && !(service === "websocketmanager" && answer.status === "UNAVAILABLE")) {
    throw new Error(`InvokeJson answered ${answer.status}: ${answer.message}`);
  }
}

async function invokeInBand(rig: Rig, service: string, method: string, requestData: Uint8Array): Promise<void> {
  const answer = await rig.raw.gateway.invoke({ service, method, requestData }, { timeoutMs: CALL_TIMEOUT_MS });
  if (!DELIBERATE_NAMES.has(answer.status) && !(service === "websocketmanager" && answer.status === "UNAVAILABLE")) {
    throw new Error(`Invoke answered ${answer.status}: ${answer.message}`);
  }
}

/**
 * POSTs Connect-protocol JSON to the HTTP/1.1 server. Success is 200; an error must carry a
 * deliberate Connect code in its JSON body (never internal or unknown, never a bare 5xx).
 */
async function connectJson(rig: Rig, path: string, body: string, signal: AbortSignal): Promise<void> {
  const res = await fetch(rig.emulator.addresses.grpcWeb.url + path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
    signal,
  });
  const text = await res.text();
  if (res.status === 200) return;
  let code: unknown;
  try {
    code = (JSON.parse(text) as { code?: unknown }).code;
  } catch {
    code = undefined;
  }
  if (typeof code === "string" && DELIBERATE_NAMES.has(code.toUpperCase())) return;
  throw new Error(`HTTP ${res.status} ${text.slice(0, 120)}`);
}

/** Reads a stream until it ends or the signal fires (subscriptions are cut after a moment). */
async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream) {
    // Events of other generated requests: not what is tested here.
  }
}

/**
 * Runs one request; resolves with a description of an unacceptable outcome, or undefined.
 * Streams are aborted after 20 ms (a cancellation is then their normal end).
 */
async function attempt(rig: Rig, request: Request): Promise<string | undefined> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), request.stream ? 20 : CALL_TIMEOUT_MS);
  try {
    await request.call(rig, abort.signal);
    return undefined;
  } catch (err) {
    if (!(err instanceof ConnectError)) return `${request.label}: ${String(err)}`;
    if (DELIBERATE.has(err.code)) return undefined;
    if (err.code === Code.Canceled && request.stream) return undefined;
    // Connecting to a closed loopback port is UNAVAILABLE: a deliberate answer of Connect.
    if (err.code === Code.Unavailable && request.label.startsWith("WebSocketManager.connect")) return undefined;
    return `${request.label}: ${Code[err.code]} ${err.rawMessage}`;
  } finally {
    clearTimeout(timer);
  }
}

// ---- the test ------------------------------------------------------------------------------

describe("thousands of generated bad requests", () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig();
  });
  afterAll(async () => rig?.close());

  it("never get an unplanned answer, and leave state, worker, streams and servers as they were", async () => {
    // State and a worker to protect.
    const keys = ["a", "b", "json", "unicode-ключ"];
    for (const key of keys)
      await rig.raw.state.saveState({ service: PROTECTED, key, value: `value of ${key} ${"🙂".repeat(3)}` });
    const before = await Promise.all(keys.map((key) => rig.raw.state.getState({ service: PROTECTED, key })));
    const workerId = await runWorker(rig, ECHO_CODE[JAVASCRIPT]!, JAVASCRIPT, WORKER_TOPIC);
    // On a client of its own, closed at once: a request-reply's reply subscription lingers 10 s
    // for the next request (ReplyRouter), and counted in the baseline below it closed during the
    // run, so that the counts afterwards matched the baseline only by chance (while exactly one
    // generated subscription was still open), which looked like subscriptions slow to close.
    const requester = new ApiClient({ host: "127.0.0.1", port: rig.emulator.addresses.gateway.port, retry: false });
    expect(await roundTrip(requester, WORKER_TOPIC, { before: true })).toMatchObject({ echo: { before: true } });
    await requester.close();

    // Gateway streams open through the whole run: the generated system-topic garbage flows
    // through their classification and filters.
    const watching = new AbortController();
    let watched = 0;
    const watchers = [
      rig.raw.gateway.subscribe({}, { signal: watching.signal }),
      rig.raw.gateway.watchSystemEvents({}, { signal: watching.signal }),
    ].map(async (stream) => {
      try {
        for await (const _ of stream) watched += 1;
        return "ended";
      } catch (err) {
        return ConnectError.from(err).code === Code.Canceled ? "cancelled" : `failed: ${String(err)}`;
      }
    });
    // The baseline is exactly these two streams and no subscription: nothing else may be open.
    const baselineStreams = 2;
    const baselineSubscriptions = 0;
    await waitFor(
      () => rig.emulator.activeStreams() === baselineStreams && rig.emulator.activeSubscriptions() === baselineSubscriptions,
      `only the two Gateway streams open (streams ${rig.emulator.activeStreams()}, subscriptions ${rig.emulator.activeSubscriptions()})`,
    );

    let runs = 0;
    const tally: Record<string, number> = {};
    const failures: string[] = [];
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(requests, async (request) => {
        runs += 1;
        const kind = request.label.split(" ")[0]!;
        tally[kind] = (tally[kind] ?? 0) + 1;
        const problem = await attempt(rig, request);
        if (problem) failures.push(problem);
        return problem === undefined;
      }),
      { seed: SEED, numRuns: NUM_RUNS, interruptAfterTimeLimit: BUDGET_MS, markInterruptAsFailure: false, endOnFailure: true },
    );
    const elapsed = Date.now() - started;
    console.info(`fuzz: ${runs} generated requests in ${elapsed} ms`, tally);
    expect(failures).toEqual([]);
    expect(runs, `only ${runs} requests in ${elapsed} ms`).toBeGreaterThanOrEqual(MIN_RUNS);

    // Nothing leaked, nothing changed, everything answers. The emulator sees a cancelled stream
    // closed as its RST_STREAM arrives (milliseconds); 10 s covers the last generated
    // subscription still closing on a loaded machine, while a leak stays open for the 5-minute
    // idle timeout.
    const closing = Date.now();
    await waitFor(
      () => rig.emulator.activeStreams() === baselineStreams && rig.emulator.activeSubscriptions() === baselineSubscriptions,
      `the generated subscriptions to close (streams ${rig.emulator.activeStreams()} of ${baselineStreams}, subscriptions ${rig.emulator.activeSubscriptions()} of ${baselineSubscriptions} when the wait began)`,
      10_000,
    );
    console.info(`fuzz: the generated subscriptions were seen closed ${Date.now() - closing} ms after the run`);
    const after = await Promise.all(keys.map((key) => rig.raw.state.getState({ service: PROTECTED, key })));
    expect(after.map((s) => [s.value, s.etag])).toEqual(before.map((s) => [s.value, s.etag]));
    expect(Object.keys((await rig.raw.state.getAllState({ service: PROTECTED })).values).sort()).toEqual([...keys].sort());
    expect((await rig.raw.workmanager.listWorkers({})).workers.map((w) => w.id)).toContain(workerId);
    expect(await roundTrip(rig.api, WORKER_TOPIC, { after: runs })).toMatchObject({ echo: { after: runs } });
    expect(watched).toBeGreaterThan(0);
    watching.abort();
    expect(await Promise.all(watchers)).toEqual(["cancelled", "cancelled"]);
    await expectServing(rig.emulator);
  }, 200_000);
});
