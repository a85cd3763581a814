// Issue 6, item 5: request-reply under 1,000 concurrent requests with random timeouts (from
// 1 ms, shorter than it takes the reply subscription to come up, to 20 s), random aborts, and a
// TypeScript responder that answers some requests once, some twice, some late and some never.
// Every request settles exactly once, with the reply meant for it or a timeout/cancel error, and
// the pending table is empty afterwards.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { ApiClient } from "../../platform/api-client.js";
import { type PubsubEvent } from "../../platform/pubsub/event.js";
import { Code, RequestTimeoutError, VirtufinError } from "../../runtime/errors.js";
import { startFixture, type EmulatorFixture } from "../support/emulator.js";
import { delay } from "./helpers.js";

type Mode = "once" | "twice" | "late" | "never";
interface Request {
  readonly n: number;
  readonly mode: Mode;
  readonly timeoutMs: number;
  /** When set, the request is aborted after this many ms. */
  readonly abortAfterMs: number | undefined;
}

/** A small seeded generator (mulberry32), so a failing run can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const LATE_BY_MS = 300;
const PATIENT_MS = 20_000;

let fx: EmulatorFixture;
let responderApi: ApiClient;
let responder: AbortController;
let answered = 0;

beforeAll(async () => {
  fx = await startFixture();
  responderApi = new ApiClient({ host: "127.0.0.1", port: fx.emulator.addresses.gateway.port });
  responder = new AbortController();
  const requests = await responderApi.pubsub.subscribeReady("rr-load", { signal: responder.signal });
  // The responder: answers by the request's mode; replies are published without waiting, as a
  // busy service would.
  void (async () => {
    for await (const event of requests) {
      const body = event.dataAsJson<{ n: number; mode: Mode; timeoutMs: number }>();
      const reply = () => {
        answered++;
        return responderApi.pubsub
          .publish(event.replyTopic!, { n: body.n, doubled: body.n * 2 }, { correlationId: event.correlationId! })
          .catch(() => undefined);
      };
      if (body.mode === "once") void reply();
      else if (body.mode === "twice") void reply().then(reply);
      else if (body.mode === "late") setTimeout(() => void reply(), body.timeoutMs + LATE_BY_MS);
    }
  })();
});
afterAll(async () => {
  responder.abort();
  await responderApi.close();
  await fx.close();
});

describe("request-reply under load", () => {
  it("settles each of 1,000 concurrent requests exactly once and leaves nothing pending", async () => {
    const seed = Number(process.env["RR_SEED"] ?? Date.now() % 1_000_000);
    onTestFinished(({ task }) => {
      if (task.result?.state === "fail") console.error(`request-reply load test failed with RR_SEED=${seed}`);
    });
    const rand = random(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
    const modes: Mode[] = ["once", "once", "twice", "late", "never"];
    const timeouts = [1, 5, 50, 200, 1_000, 3_000];
    // One request in ten is "patient": answered, never aborted, 20 s to wait. On a busy 2-core
    // machine the whole batch takes seconds, so only these are sure to get their reply.
    const requests: Request[] = Array.from({ length: 1_000 }, (_, n) =>
      n % 10 === 0
        ? { n, mode: pick(["once", "twice"] as const), timeoutMs: PATIENT_MS, abortAfterMs: undefined }
        : { n, mode: pick(modes), timeoutMs: pick(timeouts), abortAfterMs: rand() < 0.1 ? Math.floor(rand() * 500) : undefined },
    );

    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    onTestFinished(() => void process.off("unhandledRejection", onUnhandled));

    const router = fx.api.pubsub.replyRouter("rr-load-replies");
    const settled = requests.map((): { resolved: number; rejected: number; value?: PubsubEvent; error?: unknown } => ({
      resolved: 0,
      rejected: 0,
    }));
    const started = Date.now();
    const all = requests.map((request) => {
      const controller = new AbortController();
      if (request.abortAfterMs !== undefined) setTimeout(() => controller.abort(), request.abortAfterMs);
      const record = settled[request.n]!;
      return fx.api.pubsub
        .publishWithResult({
          topic: "rr-load",
          data: { n: request.n, mode: request.mode, timeoutMs: request.timeoutMs },
          replyTopic: "rr-load-replies",
          timeoutMs: request.timeoutMs,
          signal: controller.signal,
        })
        .then(
          (value) => {
            record.resolved++;
            record.value = value;
          },
          (error: unknown) => {
            record.rejected++;
            record.error = error;
          },
        );
    });
    await Promise.all(all);
    const elapsed = Date.now() - started;
    expect(router.pending).toBe(0);

    // Let every late and duplicate reply arrive: none may settle anything a second time.
    await delay(Math.max(0, started + 3_000 + LATE_BY_MS + 500 - Date.now()));
    expect(router.pending).toBe(0);
    expect(unhandled).toEqual([]);

    const counts = { replied: 0, timedOut: 0, canceled: 0 };
    for (const request of requests) {
      const record = settled[request.n]!;
      expect(record.resolved + record.rejected, `request ${request.n} settled ${record.resolved + record.rejected} times`).toBe(
        1,
      );
      if (record.resolved) {
        counts.replied++;
        // The reply routed to a request is the one meant for it, and only answered modes get one.
        expect(record.value!.dataAsJson()).toEqual({ n: request.n, doubled: request.n * 2 });
        expect(["once", "twice"]).toContain(request.mode);
      } else {
        const error = record.error as VirtufinError;
        expect(error).toBeInstanceOf(VirtufinError);
        if (error instanceof RequestTimeoutError) {
          counts.timedOut++;
          expect(error.timeoutMs).toBe(request.timeoutMs);
        } else {
          counts.canceled++;
          expect(error.code).toBe(Code.Canceled);
          expect(request.abortAfterMs).toBeDefined();
        }
      }
      // Unanswered requests can only time out (or be cancelled).
      if (request.mode === "late" || request.mode === "never") expect(record.resolved).toBe(0);
      // Patient requests get their reply.
      if (request.timeoutMs === PATIENT_MS) {
        expect(
          record.resolved,
          `request ${request.n} (${request.mode}) got no reply: ${String(record.error)} after ${elapsed} ms`,
        ).toBe(1);
      }
    }
    expect(counts.replied + counts.timedOut + counts.canceled).toBe(1_000);
    expect(counts.replied).toBeGreaterThanOrEqual(100);
    expect(counts.timedOut).toBeGreaterThan(0);
    expect(answered).toBeGreaterThan(0);
  }, 30_000);

  it("a reply to a request that is no longer pending (late, duplicate, unknown) is dropped harmlessly", async () => {
    const router = fx.api.pubsub.replyRouter("rr-load-replies");
    for (let i = 0; i < 50; i++) await fx.api.pubsub.publish("rr-load-replies", { stray: i }, { correlationId: `nobody-${i}` });
    await fx.api.pubsub.publish("rr-load-replies", { stray: true }); // no correlation id at all
    const reply = await fx.api.pubsub.publishWithResult({
      topic: "rr-load",
      data: { n: 7, mode: "once", timeoutMs: 5_000 },
      replyTopic: "rr-load-replies",
      timeoutMs: 5_000,
    });
    expect(reply.dataAsJson()).toEqual({ n: 7, doubled: 14 });
    expect(router.pending).toBe(0);
  });
});
