// An api key (or token) never shows: not in util.inspect of a client, not in JSON.stringify, not
// in any thrown error's message, properties, cause or metadata, whatever went wrong (wrong key,
// deadline, abort, refused connection, in-band failure, request-reply timeout), for a direct
// client and for the platform client. The emulator's debug log is checked along the way.
import { randomUUID } from "node:crypto";
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StateClient } from "../../generated/virtufin/state_client.js";
import { WorkManagerClient } from "../../generated/virtufin/workmanager_client.js";
import { createLogger, startEmulator, type Emulator } from "../../emulator/index.js";
import { ApiClient } from "../../platform/api-client.js";
import { Connection } from "../../runtime/connection.js";
import { Code, VirtufinError } from "../../runtime/errors.js";
import { freePorts, reachableStrings } from "./helpers.js";
import { failure } from "../support/failure.js";

const KEY = `vk-right-${randomUUID()}`;
const WRONG = `vk-wrong-${randomUUID()}`;
const TOKEN = `tok-${randomUUID()}`;
const SECRETS = [KEY, WRONG, TOKEN];
/** Fragments too: a key cut short or partly masked must not show either. */
const FRAGMENTS = SECRETS.map((s) => s.slice(-12));

const logLines: string[] = [];
let emulator: Emulator;
let refusedPort: number;
beforeAll(async () => {
  emulator = await startEmulator({
    ports: 0,
    apiKeys: { tests: KEY },
    logger: createLogger({ level: "debug", write: (line) => void logLines.push(line) }),
  });
  [refusedPort] = (await freePorts(1)) as [number];
});
afterAll(() => emulator.stop());

const gateway = () => emulator.addresses.gateway.port;

/** Every way a value can be turned into text, checked for every secret and fragment. */
function expectNoSecret(value: unknown, what: string): void {
  const texts: { path: string; value: string }[] = [
    { path: "inspect", value: inspect(value, { depth: 8, showHidden: true, getters: true }) },
    { path: "String", value: safe(() => String(value)) },
    { path: "JSON", value: safe(() => JSON.stringify(value) ?? "") },
    ...reachableStrings(value),
  ];
  if (value instanceof Error) texts.push({ path: "stack", value: value.stack ?? "" });
  for (const text of texts) {
    for (const secret of [...SECRETS, ...FRAGMENTS]) {
      expect(text.value.includes(secret), `${what}: a secret shows in ${text.path}`).toBe(false);
    }
  }
}

/** The text of a call that throws (JSON.stringify of a cyclic graph does): its message counts. */
function safe(fn: () => string): string {
  try {
    return fn();
  } catch (error) {
    return error instanceof Error ? `${error.message}\n${error.stack ?? ""}` : String(error);
  }
}

async function firstOf(stream: AsyncIterable<unknown>): Promise<unknown> {
  for await (const item of stream) return item;
  return undefined;
}

describe("a direct (generated) client", () => {
  it("never shows its key in inspect or JSON, before and after calls", async () => {
    const state = new StateClient({ host: "127.0.0.1", port: gateway(), apiKey: KEY, token: TOKEN });
    expectNoSecret(state, "fresh StateClient");
    await state.saveState("svc", "k", "v");
    await state.getState("svc", "k");
    expectNoSecret(state, "used StateClient");
    const connection = new Connection({ host: "127.0.0.1", port: gateway(), apiKey: KEY });
    await new StateClient(connection).getState("svc", "k");
    expectNoSecret(connection, "Connection");
    await state.close();
    await connection.close();
  });

  it("never shows a key in the errors of a wrong key, a deadline, an abort, a refused connection or a stream", async () => {
    await using wrong = new StateClient({ host: "127.0.0.1", port: gateway(), apiKey: WRONG, retry: false });
    const unauthenticated = await failure(wrong.getState("svc", "k"), VirtufinError);
    expect(unauthenticated.code).toBe(Code.Unauthenticated);
    expectNoSecret(unauthenticated, "UNAUTHENTICATED");

    await using right = new WorkManagerClient({ host: "127.0.0.1", port: emulator.addresses.workmanager.port, apiKey: KEY });
    const notFound = await failure(right.deleteWorker("no-such-worker"), VirtufinError);
    expect(notFound.code).toBe(Code.NotFound);
    expectNoSecret(notFound, "NOT_FOUND");

    await using state = new StateClient({ host: "127.0.0.1", port: gateway(), apiKey: KEY, token: TOKEN });
    const deadline = await failure(state.getAllState("svc", { timeoutMs: 1 }), VirtufinError);
    expect(deadline.code).toBe(Code.DeadlineExceeded);
    expectNoSecret(deadline, "DEADLINE_EXCEEDED");
    const canceled = await failure(state.getAllState("svc", { signal: AbortSignal.abort() }), VirtufinError);
    expect(canceled.code).toBe(Code.Canceled);
    expectNoSecret(canceled, "CANCELED");

    await using refused = new StateClient({
      host: "127.0.0.1",
      port: refusedPort,
      apiKey: KEY,
      retry: { maxAttempts: 2, initialBackoffMs: 1 },
    });
    const unavailable = await failure(refused.getState("svc", "k"), VirtufinError);
    expect(unavailable.code).toBe(Code.Unavailable);
    expectNoSecret(unavailable, "UNAVAILABLE");

    const { PubsubClient } = await import("../../generated/virtufin/pubsub_client.js");
    await using stream = new PubsubClient({ host: "127.0.0.1", port: gateway(), apiKey: WRONG });
    const streamError = await failure(firstOf(stream.subscribe("t")), VirtufinError);
    expect(streamError.code).toBe(Code.Unauthenticated);
    expectNoSecret(streamError, "stream UNAUTHENTICATED");
  });

  it("never shows a key given as a fixed header or a per-call header", async () => {
    await using state = new StateClient({ host: "127.0.0.1", port: gateway(), headers: { "x-api-key": KEY } });
    await state.getState("svc", "k");
    expectNoSecret(state, "StateClient with the key in headers");
    const deadline = await failure(
      state.getAllState("svc", { timeoutMs: 1, headers: { authorization: `Bearer ${TOKEN}` } }),
      VirtufinError,
    );
    expectNoSecret(deadline, "deadline with per-call credentials");
    await using wrong = new StateClient({ host: "127.0.0.1", port: gateway(), retry: false });
    const unauthenticated = await failure(wrong.getState("svc", "k", { headers: { "x-api-key": WRONG } }), VirtufinError);
    expect(unauthenticated.code).toBe(Code.Unauthenticated);
    expectNoSecret(unauthenticated, "UNAUTHENTICATED with a per-call key");
  });

  it("refuses credentials over plaintext to a remote host without showing them", () => {
    for (const options of [{ apiKey: KEY }, { token: TOKEN }]) {
      let thrown: unknown;
      try {
        new StateClient({ host: "state.example.com", port: 443, ...options });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(VirtufinError);
      expect((thrown as VirtufinError).code).toBe(Code.InvalidArgument);
      expectNoSecret(thrown, "plaintext refusal");
    }
  });
});

describe("the platform client", () => {
  it("never shows its key in inspect or JSON, before and after calls", async () => {
    const api = new ApiClient({ host: "127.0.0.1", port: gateway(), apiKey: KEY });
    expectNoSecret(api, "fresh ApiClient");
    await api.state.save("svc", "k", "v");
    await api.pubsub.publish("t", { a: 1 });
    await api.listServices();
    const controller = new AbortController();
    const events = await api.pubsub.subscribeReady("secret-topic", { signal: controller.signal });
    const reading = firstOf(events);
    await api.pubsub.publish("secret-topic", { b: 2 });
    await reading;
    controller.abort();
    expectNoSecret(api, "used ApiClient");
    await api.close();
    expectNoSecret(api, "closed ApiClient");
  });

  it("never shows a key in its errors: wrong key, in-band failure, deadline, request-reply timeout, subscription", async () => {
    await using wrong = new ApiClient({ host: "127.0.0.1", port: gateway(), apiKey: WRONG, retry: false });
    const unauthenticated = await failure(wrong.state.get("svc", "k"), VirtufinError);
    expect(unauthenticated.code).toBe(Code.Unauthenticated);
    expectNoSecret(unauthenticated, "ApiClient UNAUTHENTICATED");
    const subscription = await failure(firstOf(wrong.pubsub.subscribe("t", { reconnect: false })), VirtufinError);
    expect(subscription.code).toBe(Code.Unauthenticated);
    expectNoSecret(subscription, "subscription UNAUTHENTICATED");

    await using api = new ApiClient({ host: "127.0.0.1", port: gateway(), apiKey: KEY, token: TOKEN });
    const inBand = await failure(api.invoke("no-such-service", "Nope", { x: 1 }), VirtufinError);
    expectNoSecret(inBand, "in-band failure");
    const deadline = await failure(api.listServices({ timeoutMs: 1 }), VirtufinError);
    expect(deadline.code).toBe(Code.DeadlineExceeded);
    expectNoSecret(deadline, "ApiClient DEADLINE_EXCEEDED");
    const timeout = await failure(
      api.pubsub.publishWithResult({ topic: "nobody", replyTopic: "secret-replies", timeoutMs: 200 }),
      VirtufinError,
    );
    expect(timeout.code).toBe(Code.DeadlineExceeded);
    expectNoSecret(timeout, "request-reply timeout");
    const closed = api.pubsub.publishWithResult({ topic: "nobody", replyTopic: "secret-replies-2", timeoutMs: 5_000 });
    await api.close();
    const canceled = await failure(closed, VirtufinError);
    expect(canceled.code).toBe(Code.Canceled);
    expectNoSecret(canceled, "closed ApiClient");
  });

  it("the emulator's debug log, after all of the above, holds no key", () => {
    expect(logLines.length).toBeGreaterThan(10);
    expectNoSecret(logLines.join("\n"), "emulator log");
  });
});
