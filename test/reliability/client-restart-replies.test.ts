// Issue 6, items 3 and 5 together: request-reply across an emulator restart on the same ports.
// Requests in flight when the server goes away each settle exactly once (reply, timeout or the
// publish failure), nothing stays pending, and once the reply subscription and the responder
// are back every new request gets its reply. Also: the de-duplication window is bounded.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PubsubClient } from "../../generated/virtufin/pubsub_client.js";
import { startEmulator, type Emulator } from "../../emulator/index.js";
import { ApiClient } from "../../platform/api-client.js";
import { reconnectingStream } from "../../platform/pubsub/reconnecting-stream.js";
import { Responder } from "../../platform/pubsub/runners.js";
import { Code, VirtufinError } from "../../runtime/errors.js";
import { emulatorPorts, type EmulatorPortSet } from "../support/emulator-process.js";
import { startFakePlatform } from "./fake-platform.js";
import { delay } from "./helpers.js";

const reconnect = { initialDelayMs: 50, maxDelayMs: 250 };

describe("request-reply across a restart", () => {
  let ports: EmulatorPortSet;
  let emulator: Emulator;
  let responderApi: ApiClient;
  let responder: Responder;
  let responderReconnects = 0;
  beforeAll(async () => {
    ports = await emulatorPorts();
    emulator = await startEmulator({ ports, logLevel: "error" });
    responderApi = new ApiClient({ host: "127.0.0.1", port: ports.gateway });
    responder = new Responder(responderApi.pubsub, "rr-restart", (request) => ({ n: request.dataAsJson<{ n: number }>().n }), {
      reconnect,
      onReconnect: () => void responderReconnects++,
    });
    await responder.startup();
  });
  afterAll(async () => {
    await responder.shutdown();
    await responderApi.close();
    await emulator.stop();
  });

  it("settles every request exactly once through a restart, then answers new ones", async () => {
    await using api = new ApiClient({ host: "127.0.0.1", port: ports.gateway });
    const router = api.pubsub.replyRouter("rr-restart-replies");
    const counts = new Map<number, { resolved: number; rejected: number; error?: unknown; n?: number }>();
    const ask = (n: number, timeoutMs: number) => {
      const record = { resolved: 0, rejected: 0 } as { resolved: number; rejected: number; error?: unknown; n?: number };
      counts.set(n, record);
      return api.pubsub.publishWithResult({ topic: "rr-restart", data: { n }, replyTopic: "rr-restart-replies", timeoutMs }).then(
        (reply) => {
          record.resolved++;
          record.n = reply.dataAsJson<{ n: number }>().n;
        },
        (error: unknown) => {
          record.rejected++;
          record.error = error;
        },
      );
    };

    // Before: everything answered.
    await Promise.all(Array.from({ length: 100 }, (_, n) => ask(n, 10_000)));
    // During: 100 requests, 3 ms apart, and the server stops and comes back under them: some
    // are answered before, some lost with the server, some refused while it is down.
    const during: Promise<void>[] = [];
    const asking = (async () => {
      for (let i = 0; i < 100; i++) {
        during.push(ask(100 + i, 2_000));
        await delay(3);
      }
    })();
    await delay(60);
    await emulator.stop();
    await delay(100);
    emulator = await startEmulator({ ports, logLevel: "error" });
    // The responder and the reply router subscribe again by themselves.
    const until = Date.now() + 10_000;
    while (emulator.activeSubscriptions() < 2 && Date.now() < until) await delay(20);
    expect(emulator.activeSubscriptions()).toBeGreaterThanOrEqual(2);
    await asking;
    await Promise.all(during);
    // After: everything answered again.
    await Promise.all(Array.from({ length: 100 }, (_, i) => ask(200 + i, 10_000)));
    await delay(200); // late replies to the requests of the restart would arrive now

    for (const [n, record] of counts) {
      expect(record.resolved + record.rejected, `request ${n} settled ${record.resolved + record.rejected} times`).toBe(1);
      if (record.resolved) expect(record.n).toBe(n);
      else {
        expect(record.error).toBeInstanceOf(VirtufinError);
        // No reply in time, or the request could not be published (server down, or going away:
        // a refused HTTP/2 stream is UNAVAILABLE too).
        expect([Code.DeadlineExceeded, Code.Unavailable]).toContain((record.error as VirtufinError).code);
      }
      if (n < 100 || n >= 200) expect(record.resolved, `request ${n}: ${String(record.error)}`).toBe(1);
    }
    const caught = [...counts].filter(([n]) => n >= 100 && n < 200).map(([, r]) => r);
    const codes = caught.filter((r) => r.rejected).map((r) => (r.error as VirtufinError).codeName);
    console.info(
      `during the restart: ${caught.filter((r) => r.resolved).length} answered, failed: ${JSON.stringify(Object.fromEntries([...new Set(codes)].map((c) => [c, codes.filter((x) => x === c).length])))}`,
    );
    expect(router.pending).toBe(0);
    expect(responderReconnects).toBeGreaterThanOrEqual(1);
    // The router renewed its subscription after the drop and closed the old one: one stream for
    // the responder and one for the replies, nothing left over.
    await expect.poll(() => emulator.activeSubscriptions(), { timeout: 5_000 }).toBe(2);
  }, 40_000);
});

describe("requests made right after a restart", () => {
  it("wait until the reply subscription is live again, so their replies are not lost", async () => {
    const ports = await emulatorPorts();
    /** A responder inside the emulator: it is there the moment the emulator is. */
    const start = async () => {
      const emulator = await startEmulator({ ports, logLevel: "error" });
      emulator.pubsub.subscribe("rr-bus", (event) => {
        void emulator.pubsub.publish(event.metadata["replytopic"]!, event.data, {
          correlationid: event.metadata["correlationid"]!,
        });
      });
      return emulator;
    };
    let emulator = await start();
    await using api = new ApiClient({ host: "127.0.0.1", port: ports.gateway });
    const ask = (n: number) =>
      api.pubsub.publishWithResult({ topic: "rr-bus", data: { n }, replyTopic: "rr-bus-replies", timeoutMs: 3_000 }).then(
        (reply) => reply.dataAsJson<{ n: number }>().n,
        (error: unknown) => String(error),
      );
    try {
      expect(await ask(-1)).toBe(-1);
      for (let restart = 0; restart < 4; restart++) {
        await emulator.stop();
        emulator = await start();
        // At once: the client's reply subscription is probably not back yet.
        const answers = await Promise.all(Array.from({ length: 50 }, (_, n) => ask(restart * 100 + n)));
        expect(answers, `after restart ${restart + 1}`).toEqual(Array.from({ length: 50 }, (_, n) => restart * 100 + n));
        expect(api.pubsub.replyRouter("rr-bus-replies").pending).toBe(0);
      }
    } finally {
      await emulator.stop();
    }
  });
});

describe("the de-duplication window", () => {
  it("is bounded: it remembers the last `dedupeWindow` ids and forgets older ones", async () => {
    // Stream c of a replay topic sends ids 0..5c-1 and ends. With a window of 10 the ids of
    // streams 1-3 (0..14) arrive once each; by stream 4 id 0 has been forgotten, so it shows again.
    const fake = await startFakePlatform();
    await using pubsub = new PubsubClient({ host: "127.0.0.1", port: fake.port });
    const controller = new AbortController();
    const ids: string[] = [];
    try {
      for await (const event of reconnectingStream((signal) => pubsub.subscribe("replay-window", { signal }), {
        signal: controller.signal,
        reconnect,
        idOf: (e) => e.messageId,
        dedupeWindow: 10,
      })) {
        ids.push(event.messageId.replace("replay-window-", ""));
        if (ids.length === 16) controller.abort();
      }
    } finally {
      await fake.close();
    }
    expect(ids).toEqual([...Array.from({ length: 15 }, (_, i) => String(i)), "0"]);
  });
});
