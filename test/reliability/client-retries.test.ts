// Issue 6, item 2, what test/runtime/retry.test.ts does not cover: the platform client's calls
// that must never repeat (PublishEvent, a save without an etag) are never retried, while a save
// guarded by an etag and the reads are; backoff is jittered and grows exponentially; a server
// that is not listening at all (connection refused) counts as UNAVAILABLE and is retried.
import { constants as httpConstants, createServer } from "node:http2";
import type { AddressInfo } from "node:net";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PubsubClient } from "../../generated/virtufin/pubsub_client.js";
import { StateClient } from "../../generated/virtufin/state_client.js";
import { State } from "../../generated/virtufin/state_pb.js";
import { ApiClient } from "../../platform/api-client.js";
import { Code, VirtufinError } from "../../runtime/errors.js";
import { startTestServer } from "../support/connect-server.js";
import { startFakePlatform, type FakePlatform } from "./fake-platform.js";
import { freePorts } from "./helpers.js";

let fake: FakePlatform;
beforeAll(async () => {
  fake = await startFakePlatform();
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const fast = { initialBackoffMs: 5, maxBackoffMs: 20 };
const target = () => ({ host: "127.0.0.1", port: fake.port, retry: fast });
const fail = (method: string, remaining: number, code = Code.Unavailable) => (fake.state.failures[method] = { remaining, code });
const attempts = (method: string) => fake.state.attempts[method] ?? 0;

describe("what the platform client retries", () => {
  it("never retries PublishEvent (a retry could publish twice), from the platform or a generated client", async () => {
    await using api = new ApiClient(target());
    fail("publishEvent", 3);
    await expect(api.pubsub.publish("t", { n: 1 })).rejects.toMatchObject({ code: Code.Unavailable });
    expect(attempts("publishEvent")).toBe(1);
    await using pubsub = new PubsubClient(target());
    await expect(pubsub.publishEvent("t", new Uint8Array([1]))).rejects.toMatchObject({ code: Code.Unavailable });
    expect(attempts("publishEvent")).toBe(2);
  });

  it("never retries a save without an etag (last write wins: a retry could overwrite a newer value)", async () => {
    await using api = new ApiClient(target());
    fail("saveState", 3);
    await expect(api.state.save("svc", "k", "v")).rejects.toMatchObject({ code: Code.Unavailable });
    expect(attempts("saveState")).toBe(1);
    await using state = new StateClient(target());
    await expect(state.saveState("svc", "k", "v")).rejects.toMatchObject({ code: Code.Unavailable });
    expect(attempts("saveState")).toBe(2);
  });

  it("retries a save guarded by an etag: failing three times then answering succeeds on the fourth attempt", async () => {
    await using api = new ApiClient(target());
    fail("saveState", 3);
    await api.state.save("svc", "k", "v", { etag: "1" });
    expect(attempts("saveState")).toBe(4);
  });

  it("retries reads (NO_SIDE_EFFECTS) and deletes (IDEMPOTENT), but never on INVALID_ARGUMENT", async () => {
    await using api = new ApiClient(target());
    fail("getState", 2);
    await expect(api.state.get("svc", "k")).resolves.toEqual({ value: "v", etag: "1" });
    expect(attempts("getState")).toBe(3);
    fail("deleteState", 4);
    await api.state.delete("svc", "k");
    expect(attempts("deleteState")).toBe(5);
    fail("getState", 1, Code.InvalidArgument);
    await expect(api.state.get("svc", "k")).rejects.toMatchObject({ code: Code.InvalidArgument });
    expect(attempts("getState")).toBe(4);
  });

  it("honours retry: false on the platform client and per call", async () => {
    await using off = new ApiClient({ host: "127.0.0.1", port: fake.port, retry: false });
    fail("getState", 1);
    await expect(off.state.get("svc", "k")).rejects.toMatchObject({ code: Code.Unavailable });
    expect(attempts("getState")).toBe(1);
    await using on = new ApiClient(target());
    fail("saveState", 1);
    await expect(on.state.save("svc", "k", "v", { etag: "1", retry: false })).rejects.toMatchObject({ code: Code.Unavailable });
    expect(attempts("saveState")).toBe(1);
  });
});

describe("how it retries", () => {
  it("waits a jittered, exponentially growing backoff between attempts", async () => {
    // initial 40 ms, x2: the waits before attempts 2..5 are drawn from [0,40], [0,80], [0,160], [0,320].
    const policy = { initialBackoffMs: 40, maxBackoffMs: 1_000, backoffMultiplier: 2 };
    const bounds = [40, 80, 160, 320];
    const stamps: number[] = [];
    const server = await startTestServer((router) =>
      router.service(State, {
        getState() {
          stamps.push(performance.now());
          throw new VirtufinError("down", Code.Unavailable);
        },
      }),
    );
    try {
      await using state = new StateClient({ host: "127.0.0.1", port: server.port, retry: policy });
      const gaps: number[][] = [];
      for (let run = 0; run < 6; run++) {
        stamps.length = 0;
        await expect(state.getState("svc", "k")).rejects.toMatchObject({ code: Code.Unavailable });
        expect(stamps).toHaveLength(5);
        gaps.push(stamps.slice(1).map((t, i) => t - stamps[i]!));
      }
      // Each wait stays under its bound (plus transit): judged on the median of the runs, since a
      // busy machine can delay any one timer; a single run may only be off by a load spike.
      const median = (i: number) => gaps.map((run) => run[i]!).sort((a, b) => a - b)[Math.floor(gaps.length / 2)]!;
      bounds.forEach((bound, i) => expect(median(i)).toBeLessThan(bound + 40));
      for (const run of gaps) run.forEach((gap, i) => expect(gap).toBeLessThan(bounds[i]! + 500));
      // Jitter: the same wait differs from run to run (six equal draws from [0,320] are ~impossible).
      const lastWaits = gaps.map((run) => Math.round(run[3]!));
      expect(new Set(lastWaits).size).toBeGreaterThan(1);
      // Growth: on average the last wait is longer than the first.
      const mean = (i: number) => gaps.reduce((sum, run) => sum + run[i]!, 0) / gaps.length;
      expect(mean(3)).toBeGreaterThan(mean(0));
    } finally {
      await server.close();
    }
  });

  it("treats a refused HTTP/2 stream (REFUSED_STREAM: not processed) as UNAVAILABLE, retried when safe", async () => {
    // A server that refuses every stream, as a server going away does with streams it will not
    // process. gRPC maps REFUSED_STREAM to UNAVAILABLE; connect-node reports it as INTERNAL when
    // the stream's error event comes before its close.
    const raw = createServer();
    let streams = 0;
    raw.on("stream", (stream) => {
      streams++;
      stream.on("error", () => undefined); // the refusal is reported on this side too
      stream.close(httpConstants.NGHTTP2_REFUSED_STREAM);
    });
    await new Promise<void>((resolve) => raw.listen(0, "127.0.0.1", resolve));
    const port = (raw.address() as AddressInfo).port;
    try {
      await using state = new StateClient({ host: "127.0.0.1", port, retry: fast });
      const read = await state.getState("svc", "k").then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((read as VirtufinError).code).toBe(Code.Unavailable);
      expect(streams).toBe(5); // idempotent: every attempt made
      await using pubsub = new PubsubClient({ host: "127.0.0.1", port, retry: fast });
      const publish = await pubsub.publishEvent("t", new Uint8Array()).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((publish as VirtufinError).code).toBe(Code.Unavailable);
      expect(streams).toBe(6); // never retried
    } finally {
      await new Promise<void>((resolve) => raw.close(() => resolve()));
    }
  });

  it("treats a refused connection as UNAVAILABLE and retries until the server appears", async () => {
    const [port] = await freePorts(1);
    await using state = new StateClient({ host: "127.0.0.1", port: port!, retry: { initialBackoffMs: 200, maxBackoffMs: 400 } });
    // Nothing listens yet: a read fails over and over with UNAVAILABLE...
    await expect(state.getState("svc", "k", { retry: { maxAttempts: 2, initialBackoffMs: 5 } })).rejects.toMatchObject({
      code: Code.Unavailable,
    });
    // ...and a save without etag is not retried even then.
    await expect(state.saveState("svc", "k", "v")).rejects.toMatchObject({ code: Code.Unavailable });
    // A read started while the server is down succeeds once it comes up within the deadline.
    const pending = state.getState("svc", "k", { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 100));
    const late = createServer(
      connectNodeAdapter({ routes: (router) => router.service(State, { getState: () => ({ value: "late", etag: "9" }) }) }),
    );
    await new Promise<void>((resolve) => late.listen(port, "127.0.0.1", resolve));
    try {
      await expect(pending).resolves.toMatchObject({ value: "late" });
    } finally {
      await state.close();
      await new Promise<void>((resolve) => late.close(() => resolve()));
    }
  });
});
