// Retries after gRPC's retry design, against a real Connect server that fails on purpose.
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { WorkManagerClient } from "../../generated/virtufin/workmanager_client.js";
import { WorkManager } from "../../generated/virtufin/workmanager_pb.js";
import type { VirtufinError } from "../../runtime/errors.js";
import { startTestServer, type TestServer } from "../support/connect-server.js";

let server: TestServer;
/** How many times each RPC fails before answering, and with which code. */
const plan = { failures: 0, code: Code.Unavailable };
const attempts = { listWorkers: 0, createWorker: 0, startWorker: 0 };

function maybeFail(): void {
  if (plan.failures > 0) {
    plan.failures--;
    throw new ConnectError("try again", plan.code);
  }
}

beforeAll(async () => {
  server = await startTestServer((router) =>
    router.service(WorkManager, {
      listWorkers() {
        attempts.listWorkers++;
        maybeFail();
        return { workers: [] };
      },
      createWorker() {
        attempts.createWorker++;
        maybeFail();
        return { id: "new" };
      },
      startWorker() {
        attempts.startWorker++;
        maybeFail();
        return {};
      },
    }),
  );
});
afterAll(() => server.close());
beforeEach(() => {
  plan.failures = 0;
  plan.code = Code.Unavailable;
  attempts.listWorkers = attempts.createWorker = attempts.startWorker = 0;
});

const fast = { initialBackoffMs: 5, maxBackoffMs: 20 };

describe("retries", () => {
  it("a server failing three times with UNAVAILABLE then answering succeeds on the fourth attempt", async () => {
    await using wm = new WorkManagerClient({ host: "127.0.0.1", port: server.port, retry: fast });
    plan.failures = 3;
    await expect(wm.listWorkers()).resolves.toEqual([]);
    expect(attempts.listWorkers).toBe(4);
  });

  it("gives up after at most 5 attempts, even when asked for more", async () => {
    await using wm = new WorkManagerClient({ host: "127.0.0.1", port: server.port, retry: { ...fast, maxAttempts: 10 } });
    plan.failures = 100;
    const error = (await wm.listWorkers().catch((e: unknown) => e)) as VirtufinError;
    expect(error.code).toBe(Code.Unavailable);
    expect(attempts.listWorkers).toBe(5);
  });

  it("never retries INVALID_ARGUMENT", async () => {
    await using wm = new WorkManagerClient({ host: "127.0.0.1", port: server.port, retry: fast });
    plan.failures = 1;
    plan.code = Code.InvalidArgument;
    await expect(wm.listWorkers()).rejects.toMatchObject({ code: Code.InvalidArgument });
    expect(attempts.listWorkers).toBe(1);
  });

  it("never retries a method that is not idempotent", async () => {
    await using wm = new WorkManagerClient({ host: "127.0.0.1", port: server.port, retry: fast });
    plan.failures = 1;
    await expect(wm.createWorker({ mimeType: "text/x-python" })).rejects.toMatchObject({ code: Code.Unavailable });
    expect(attempts.createWorker).toBe(1);
  });

  it("retries an IDEMPOTENT method, and a call that declares itself idempotent", async () => {
    await using wm = new WorkManagerClient({ host: "127.0.0.1", port: server.port, retry: fast });
    plan.failures = 2;
    await wm.startWorker("w");
    expect(attempts.startWorker).toBe(3);
    plan.failures = 1;
    await expect(wm.createWorker({ mimeType: "x" }, { idempotent: true })).resolves.toBe("new");
    expect(attempts.createWorker).toBe(2);
  });

  it("is configurable per client and per call", async () => {
    await using off = new WorkManagerClient({ host: "127.0.0.1", port: server.port, retry: false });
    plan.failures = 1;
    await expect(off.listWorkers()).rejects.toMatchObject({ code: Code.Unavailable });
    expect(attempts.listWorkers).toBe(1);

    await using on = new WorkManagerClient({ host: "127.0.0.1", port: server.port, retry: fast });
    plan.failures = 1;
    await expect(on.listWorkers(undefined, { retry: false })).rejects.toMatchObject({ code: Code.Unavailable });
    plan.failures = 3;
    await expect(on.listWorkers(undefined, { retry: { maxAttempts: 2 } })).rejects.toMatchObject({ code: Code.Unavailable });
    expect(attempts.listWorkers).toBe(4);
  });

  it("lets one deadline cover every attempt", async () => {
    // Five attempts with (fully jittered) waits of up to 2 s take 4 s on average; the 300 ms
    // deadline must cut them short, whatever the jitter draws. The bound leaves room for a busy
    // machine's timers (over 1 s seen); a deadline that did not cover the waits would stay under
    // it in all five runs with a chance of about 1 in 10^9.
    await using wm = new WorkManagerClient({
      host: "127.0.0.1",
      port: server.port,
      retry: { initialBackoffMs: 2_000, maxBackoffMs: 2_000, backoffMultiplier: 1 },
    });
    for (let run = 0; run < 5; run++) {
      plan.failures = 100;
      const started = Date.now();
      const error = (await wm.listWorkers(undefined, { timeoutMs: 300 }).catch((e: unknown) => e)) as VirtufinError;
      expect([Code.Unavailable, Code.DeadlineExceeded]).toContain(error.code);
      expect(Date.now() - started).toBeLessThan(1_500);
    }
  });

  it("rejects a malformed retry policy with a clear error", () => {
    expect(() => new WorkManagerClient({ port: 1, retry: { maxAttempts: 0 } })).toThrow(
      /retry.maxAttempts must be a positive number/,
    );
  });
});
