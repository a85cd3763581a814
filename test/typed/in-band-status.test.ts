/**
 * Generated methods whose result is an in-band `virtufin.StatusResponse` resolve to void and
 * throw a failure, against the real emulator: the generated StateClient and PubsubClient
 * (direct), and a user's bound service through its generated pub/sub proxy, whose responder
 * answers `success=false` the way a platform handler would.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PubsubClient } from "../../generated/virtufin/pubsub_client.js";
import { StateClient } from "../../generated/virtufin/state_client.js";
import { Code, EtagMismatchError, VirtufinError } from "../../runtime/errors.js";
import { LedgerPubsubProxy, serveLedger } from "../golden/pubsub-binding/expected/bind/v1/bound_client.js";
import { startFixture, type EmulatorFixture } from "../support/emulator.js";

let fx: EmulatorFixture;
beforeAll(async () => {
  fx = await startFixture();
});
afterAll(() => fx?.close());

/** The rejection of `promise`, or a failure when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => expect.fail(`expected a rejection, got ${JSON.stringify(value)}`),
    (error: unknown) => error,
  );
}

describe("generated StateClient and PubsubClient over the emulator", () => {
  it("a successful save, registration, delete, publish and unsubscribe resolve to undefined", async () => {
    const state = new StateClient(fx.api);
    const pubsub = new PubsubClient(fx.api);
    expect(await state.saveState("in-band", "k", "v1")).toBeUndefined();
    expect(await state.registerKeys("in-band", ["k", "other"])).toBeUndefined();
    expect((await state.getState("in-band", "k")).value).toBe("v1");
    expect(await state.deleteState("in-band", "k")).toBeUndefined();
    expect(await pubsub.publishEvent("in-band-topic", new TextEncoder().encode("{}"))).toBeUndefined();
    expect(await pubsub.unsubscribe("no-such-subscription")).toBeUndefined();
  });

  it("a save with a stale etag throws EtagMismatchError (ABORTED), and the value is unchanged", async () => {
    const state = new StateClient(fx.api);
    await state.saveState("in-band", "guarded", "first");
    const { etag } = await state.getState("in-band", "guarded");
    await state.saveState({ service: "in-band", key: "guarded", value: "second", etag });
    const error = await rejection(state.saveState({ service: "in-band", key: "guarded", value: "third", etag }));
    expect(error).toBeInstanceOf(EtagMismatchError);
    expect((error as VirtufinError).code).toBe(Code.Aborted);
    expect((await state.getState("in-band", "guarded")).value).toBe("second");
  });
});

describe("a user's service answering StatusResponse, through its generated pub/sub proxy", () => {
  it("success and a missing status resolve to undefined; success=false throws its code and message", async () => {
    const responder = serveLedger(fx.api, {
      record: (request) =>
        request.entry === "ok"
          ? { status: { success: true, status: "OK" } }
          : request.entry === "none"
            ? {}
            : { status: { success: false, status: "FAILED_PRECONDITION", message: `no room for ${request.entry}` } },
      check: (request) =>
        request.entry === "ok"
          ? { success: true, status: "OK" }
          : { success: false, status: "ABORTED", message: `${request.entry} changed meanwhile` },
    });
    await responder.startup();
    try {
      const ledger = new LedgerPubsubProxy(fx.api);
      const options = { timeoutMs: 10_000 };
      expect(await ledger.record({ entry: "ok" }, options)).toBeUndefined();
      expect(await ledger.record({ entry: "none" }, options)).toBeUndefined();
      expect(await ledger.check({ entry: "ok" }, options)).toBeUndefined();

      const failed = await rejection(ledger.record({ entry: "x" }, options));
      expect(failed).toBeInstanceOf(VirtufinError);
      expect((failed as VirtufinError).code).toBe(Code.FailedPrecondition);
      expect((failed as VirtufinError).rawMessage).toBe("bind.v1.Ledger.Record failed: no room for x");

      // The response is the status itself; ABORTED is the etag conflict class, as on a direct save.
      const aborted = await rejection(ledger.check({ entry: "y" }, options));
      expect(aborted).toBeInstanceOf(EtagMismatchError);
      expect((aborted as VirtufinError).rawMessage).toBe("bind.v1.Ledger.Check failed: y changed meanwhile");
    } finally {
      await responder.shutdown();
    }
  });
});
