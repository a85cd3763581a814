// The generated direct clients over real loopback sockets against a small Connect server:
// unwrapping, flattening, oneof shorthand, deadlines, abort, typed error codes, close.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PubsubClient } from "../../generated/virtufin/pubsub_client.js";
import { PubsubSubscribeResponseSchema, Pubsub } from "../../generated/virtufin/pubsub_pb.js";
import { WorkManagerClient } from "../../generated/virtufin/workmanager_client.js";
import {
  WorkManager,
  WorkerInfoSchema,
  WorkerStatus,
  type CreateWorkerRequest,
} from "../../generated/virtufin/workmanager_pb.js";
import { Connection } from "../../runtime/connection.js";
import { EtagMismatchError, VirtufinError } from "../../runtime/errors.js";
import { startTestServer, type TestServer } from "../support/connect-server.js";

let server: TestServer;
const created: CreateWorkerRequest[] = [];
const seenHeaders: Record<string, string | null>[] = [];
let streamsEnded = 0;

beforeAll(async () => {
  server = await startTestServer((router) => {
    router.service(WorkManager, {
      createWorker(request, context) {
        created.push(request);
        seenHeaders.push({ apiKey: context.requestHeader.get("x-api-key"), trace: context.requestHeader.get("x-trace") });
        return { id: `w-${created.length}` };
      },
      listWorkers() {
        return { workers: [create(WorkerInfoSchema, { id: "w-1", status: WorkerStatus.RUNNING, topic: "t" })] };
      },
      deleteWorker(request) {
        throw new ConnectError(`worker ${request.id} not found`, Code.NotFound);
      },
      async startWorker(_request, context) {
        // Slow on purpose: deadlines and aborts must cut it short.
        await new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, 5_000);
          context.signal.addEventListener("abort", () => {
            clearTimeout(timer);
            reject(context.signal.reason); // eslint-disable-line @typescript-eslint/prefer-promise-reject-errors -- an abort rejects with the signal's reason, as the platform's APIs do
          });
        });
        return {};
      },
      stopWorker() {
        throw new ConnectError("etag changed", Code.Aborted);
      },
      recoverWorkers: () => ({ recoveredCount: 3 }),
      getWorkerHistory: () => ({
        entries: [{ createdAt: "2026-01-01T00:00:00Z", codeSource: { source: { case: "url", value: "https://x" } } }],
      }),
      loadCodeFromContent: () => ({}),
      loadCodeFromUrl: () => ({}),
    });
    router.service(Pubsub, {
      publishEvent: () => ({ status: { success: true, status: "OK" } }),
      async *subscribe(request, context) {
        try {
          for (let i = 0; !context.signal.aborted; i++) {
            yield create(PubsubSubscribeResponseSchema, { topic: request.topic, messageId: String(i) });
            await new Promise((r) => setTimeout(r, 10));
          }
        } finally {
          streamsEnded++;
        }
      },
      unsubscribe: () => ({}),
    });
  });
});

afterAll(() => server.close());

describe("generated direct client", () => {
  it("unwraps single-field responses and accepts the oneof shorthand", async () => {
    await using wm = new WorkManagerClient({ host: "127.0.0.1", port: server.port });
    const id = await wm.createWorker({
      codeSource: { content: new TextEncoder().encode("x") },
      mimeType: "text/x-python",
      topic: "t",
    });
    expect(id).toBe(`w-${created.length}`);
    const last = created.at(-1)!;
    expect(last.codeSource?.source.case).toBe("content");
    expect(last.mimeType).toBe("text/x-python");
    const workers = await wm.listWorkers();
    expect(workers.map((w) => [w.id, w.status])).toEqual([["w-1", WorkerStatus.RUNNING]]);
    expect(await wm.recoverWorkers()).toBe(3);
    const history = await wm.getWorkerHistory("w-1");
    expect(history[0]?.codeSource?.source).toEqual({ case: "url", value: "https://x" });
  });

  it("takes flattened parameters and the request-object form alike", async () => {
    await using wm = new WorkManagerClient({ host: "127.0.0.1", port: server.port });
    await expect(wm.loadCodeFromContent("w-1", new Uint8Array([1]))).resolves.toBeUndefined();
    await expect(wm.loadCodeFromContent({ id: "w-1", content: new Uint8Array([1]) })).resolves.toBeUndefined();
  });

  it("reports a gRPC status as a typed VirtufinError", async () => {
    await using wm = new WorkManagerClient({ host: "127.0.0.1", port: server.port });
    const error = await wm.deleteWorker("nope").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VirtufinError);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as VirtufinError).code).toBe(Code.NotFound);
    expect((error as VirtufinError).codeName).toBe("NOT_FOUND");
    expect((error as VirtufinError).rawMessage).toBe("worker nope not found");
    const aborted = await wm.stopWorker("w-1").catch((e: unknown) => e);
    expect(aborted).toBeInstanceOf(EtagMismatchError);
  });

  it("fails a call past its deadline with DEADLINE_EXCEEDED, promptly", async () => {
    await using wm = new WorkManagerClient({ host: "127.0.0.1", port: server.port });
    const started = Date.now();
    const error = await wm.startWorker("w-1", { timeoutMs: 50 }).catch((e: unknown) => e);
    expect((error as VirtufinError).code).toBe(Code.DeadlineExceeded);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("applies the client's default deadline when the call gives none", async () => {
    await using wm = new WorkManagerClient({ host: "127.0.0.1", port: server.port, timeoutMs: 80 });
    const error = await wm.startWorker("w-1").catch((e: unknown) => e);
    expect((error as VirtufinError).code).toBe(Code.DeadlineExceeded);
  });

  it("cancels a call when its signal aborts and leaves nothing in flight", async () => {
    const connection = new Connection({ host: "127.0.0.1", port: server.port });
    const wm = new WorkManagerClient(connection);
    const controller = new AbortController();
    const pending = wm.startWorker("w-1", { signal: controller.signal }).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    expect(connection.inflight).toBe(1);
    controller.abort();
    expect(((await pending) as VirtufinError).code).toBe(Code.Canceled);
    expect(connection.inflight).toBe(0);
    await connection.close();
  });

  it("close() ends calls in flight and refuses new ones", async () => {
    const wm = new WorkManagerClient({ host: "127.0.0.1", port: server.port });
    const pending = wm.startWorker("w-1").catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    await wm.close();
    expect(((await pending) as VirtufinError).code).toBe(Code.Canceled);
    await expect(wm.listWorkers()).rejects.toMatchObject({ code: Code.Canceled });
  });

  it("streams as an AsyncIterable; leaving the loop ends the server stream", async () => {
    await using pubsub = new PubsubClient({ host: "127.0.0.1", port: server.port });
    const before = streamsEnded;
    const ids: string[] = [];
    for await (const event of pubsub.subscribe("topic-a")) {
      ids.push(event.messageId);
      if (ids.length === 3) break;
    }
    expect(ids).toEqual(["0", "1", "2"]);
    await expect.poll(() => streamsEnded, { timeout: 2_000 }).toBe(before + 1);
  });

  it("leaves nothing behind when a consumer stops reading a stream early", async () => {
    const { execFile } = await import("node:child_process");
    const fixture = new URL("./fixtures/leave-stream-early.ts", import.meta.url).pathname;
    const started = Date.now();
    const output = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ["--import", "tsx", fixture, String(server.port)],
        { timeout: 15_000 },
        (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stdout}${stderr}`)) : resolve(stdout)),
      );
    });
    expect(output).toContain("got 0");
    expect(output).toContain("closed");
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("aborting a stream settles it with a Canceled error", async () => {
    await using pubsub = new PubsubClient({ host: "127.0.0.1", port: server.port });
    const controller = new AbortController();
    const seen: string[] = [];
    const error = await (async () => {
      for await (const event of pubsub.subscribe("topic-b", { signal: controller.signal })) {
        seen.push(event.messageId);
        if (seen.length === 2) controller.abort();
      }
    })().catch((e: unknown) => e);
    expect((error as VirtufinError).code).toBe(Code.Canceled);
  });

  it("sends the api key and per-call headers, and accepts a Connect transport", async () => {
    await using wm = new WorkManagerClient({ host: "127.0.0.1", port: server.port, apiKey: "secret-key-1" });
    await wm.createWorker({ mimeType: "text/x-python", topic: "t" }, { headers: { "x-trace": "abc" } });
    expect(seenHeaders.at(-1)).toEqual({ apiKey: "secret-key-1", trace: "abc" });
    const viaTransport = new WorkManagerClient(createGrpcTransport({ baseUrl: server.baseUrl }));
    expect(await viaTransport.recoverWorkers()).toBe(3);
  });

  it("refuses credentials over plaintext to a non-loopback host, without echoing them", () => {
    const attempt = () => new WorkManagerClient({ host: "example.com", port: 5102, apiKey: "top-secret" });
    expect(attempt).toThrow(/refusing to send credentials over plaintext/);
    expect(() => attempt()).not.toThrow(/top-secret/);
    expect(
      () => new WorkManagerClient({ host: "example.com", port: 5102, apiKey: "k", allowInsecureCredentials: true }),
    ).not.toThrow();
  });

  it("rejects bad connection options with a clear error", () => {
    expect(() => new WorkManagerClient({ port: 70000 })).toThrow(/port must be an integer from 1 to 65535/);
    expect(() => new WorkManagerClient({ host: "a b", port: 1 })).toThrow(/host must be a host name/);
    expect(() => new WorkManagerClient({ baseUrl: "ftp://x" })).toThrow(/baseUrl must be http/);
  });

  it("is never thenable", async () => {
    const wm = new WorkManagerClient({ host: "127.0.0.1", port: server.port });
    expect("then" in wm).toBe(false);
    expect(await Promise.resolve(wm)).toBe(wm);
    await wm.close();
  });
});
