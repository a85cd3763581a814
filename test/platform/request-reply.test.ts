// Request-reply over pub/sub against the emulator: a TypeScript responder and a Python worker
// in the WorkManager answer alike; shared subscriptions, timeouts, aborts, late and duplicate
// replies, errors reported by the responder.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkManagerClient } from "../../generated/virtufin/workmanager_client.js";
import { Responder } from "../../platform/pubsub/runners.js";
import { Code, RequestTimeoutError, VirtufinError } from "../../runtime/errors.js";
import { startFixture, type EmulatorFixture } from "../support/emulator.js";

let fx: EmulatorFixture;
let responder: Responder;
beforeAll(async () => {
  fx = await startFixture();
  responder = new Responder(fx.api, "rr-requests", (request) => {
    const body = request.dataAsJson<{ n: number; fail?: boolean; silent?: boolean }>();
    if (body.fail) throw new VirtufinError("no can do", Code.FailedPrecondition);
    if (body.silent) return undefined;
    return { doubled: body.n * 2 };
  });
  await responder.startup();
});
afterAll(async () => {
  await responder.shutdown();
  await fx.close();
});

describe("publishWithResult", () => {
  it("resolves with the correlated reply of a TypeScript responder", async () => {
    const reply = await fx.api.pubsub.publishWithResult({
      topic: "rr-requests",
      data: { n: 21 },
      replyTopic: "rr-replies",
      timeoutMs: 5_000,
    });
    expect(reply.dataAsJson()).toEqual({ doubled: 42 });
    expect(reply.correlationId).toMatch(/[0-9a-f-]{36}/);
  });

  it("keeps a given correlation id", async () => {
    const reply = await fx.api.pubsub.publishWithResult({
      topic: "rr-requests",
      data: { n: 1 },
      replyTopic: "rr-replies",
      correlationId: "my-id-1",
    });
    expect(reply.correlationId).toBe("my-id-1");
  });

  it("shares one subscription among many concurrent requests and routes each reply", async () => {
    const router = fx.api.pubsub.replyRouter("rr-shared");
    const replies = await Promise.all(
      Array.from({ length: 100 }, (_, n) =>
        fx.api.pubsub.publishWithResult({ topic: "rr-requests", data: { n }, replyTopic: "rr-shared", timeoutMs: 10_000 }),
      ),
    );
    expect(replies.map((r) => r.dataAsJson<{ doubled: number }>().doubled)).toEqual(Array.from({ length: 100 }, (_, n) => n * 2));
    expect(router.pending).toBe(0);
  });

  it("rejects with a typed timeout error and leaves nothing pending", async () => {
    const router = fx.api.pubsub.replyRouter("rr-timeouts");
    const started = Date.now();
    const error = await fx.api.pubsub
      .publishWithResult({ topic: "rr-requests", data: { n: 1, silent: true }, replyTopic: "rr-timeouts", timeoutMs: 300 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect((error as RequestTimeoutError).code).toBe(Code.DeadlineExceeded);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(router.pending).toBe(0);
  });

  it("settles an aborted request as Canceled and leaves nothing pending", async () => {
    const controller = new AbortController();
    const pending = fx.api.pubsub
      .publishWithResult({
        topic: "rr-requests",
        data: { n: 1, silent: true },
        replyTopic: "rr-aborts",
        signal: controller.signal,
      })
      .catch((e: unknown) => e);
    setTimeout(() => controller.abort(), 100);
    expect(((await pending) as VirtufinError).code).toBe(Code.Canceled);
    expect(fx.api.pubsub.replyRouter("rr-aborts").pending).toBe(0);
  });

  it("drops late and duplicate replies", async () => {
    const reply = fx.api.pubsub.publishWithResult({
      topic: "nobody-listens",
      data: {},
      replyTopic: "rr-dupes",
      correlationId: "dup-1",
      timeoutMs: 5_000,
    });
    await new Promise((r) => setTimeout(r, 300));
    await fx.api.pubsub.publish("rr-dupes", { first: true }, { correlationId: "dup-1" });
    await fx.api.pubsub.publish("rr-dupes", { second: true }, { correlationId: "dup-1" });
    expect((await reply).dataAsJson()).toEqual({ first: true });
    await fx.api.pubsub.publish("rr-dupes", { late: true }, { correlationId: "dup-1" });
    await new Promise((r) => setTimeout(r, 100));
    expect(fx.api.pubsub.replyRouter("rr-dupes").pending).toBe(0);
  });

  it("raises the error a responder reports, with its code", async () => {
    const error = await fx.api.pubsub
      .publishWithResult({ topic: "rr-requests", data: { n: 1, fail: true }, replyTopic: "rr-errors", timeoutMs: 5_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VirtufinError);
    expect((error as VirtufinError).code).toBe(Code.FailedPrecondition);
    expect((error as VirtufinError).rawMessage).toBe("no can do");
  });

  it("gets its answer from a Python worker in the WorkManager through replytopic", async () => {
    await using wm = new WorkManagerClient({ host: "127.0.0.1", port: fx.emulator.addresses.workmanager.port });
    const code =
      'def Process(event):\n    return {"type": "py.reply", "source": "py", "data": {"tripled": event["data"]["n"] * 3}}\n';
    const id = await wm.createWorker({
      codeSource: { content: new TextEncoder().encode(code) },
      mimeType: "text/x-python",
      topic: "py-requests",
    });
    await wm.startWorker(id);
    try {
      const reply = await fx.api.pubsub.publishWithResult({
        topic: "py-requests",
        data: { n: 5 },
        replyTopic: "py-replies",
        correlationId: "py-corr",
        timeoutMs: 15_000,
      });
      expect(reply.dataAsJson()).toEqual({ tripled: 15 });
      expect(reply.correlationId).toBe("py-corr");
      expect(reply.type).toBe("py.reply");
    } finally {
      await wm.deleteWorker(id);
    }
  });
});
