/**
 * THE kill test of the Redis backend. Three emulator processes on one Redis (AOF, appendfsync
 * always) behind the test's own TCP proxy; for ~20 s publishers, subscribers, request-reply to a
 * JavaScript worker, the generated typed pub/sub proxy to a Python worker, and 50 state.update()
 * increments per second — while one replica is SIGKILLed and restarted every 2–3 s and Redis
 * itself is restarted once. Then the tally is printed and asserted: every event reached every
 * subscriber exactly once and in each publisher's order, every request was answered, counters
 * are exact, nothing is left pending, no process is left over.
 */
import { readdirSync, readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import {
  TimeWorkerPubsubBinding,
  TimeWorkerPubsubProxy,
} from "../../examples/custom-service/gen/acme/pricing/v1/pricing_client.js";
import { PYTHON_TIME_WORKER } from "../../examples/custom-service/time-worker.js";
import { WorkManagerClient } from "../../generated/virtufin/workmanager_client.js";
import { ApiClient } from "../../platform/api-client.js";
import { type PubsubEvent } from "../../platform/pubsub/event.js";
import { RequestTimeoutError } from "../../runtime/errors.js";
import { alive, startCluster, type Cluster } from "./chaos.js";
import { emulatorConnections, pendingEvents, until } from "./helpers.js";

const CHAOS_MS = 20_000;
const PUBLISHERS = 2;
const SUBSCRIBERS = 2;
const COUNTERS = 10;
const began = Date.now();
/** Progress on stderr, so a run that hangs shows where. */
const progress = (what: string) => process.stderr.write(`kill test +${((Date.now() - began) / 1000).toFixed(1)} s: ${what}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const JS_WORKER = `function Process(event) {
  return { type: "kill-rr-reply", source: "js", data: { n: event.data.n, twice: event.data.n * 2 } };
}`;

/** Retries an operation (same identity each time) until it succeeds; counts what failed. */
async function persist<T>(what: string, tally: Tally, op: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await op();
    } catch (error) {
      if (error instanceof RequestTimeoutError) tally.lost.push(what);
      else tally.retried += 1;
      if (Date.now() > deadline) throw new Error(`${what} did not succeed in 60 s: ${String(error)}`, { cause: error });
      await sleep(50);
    }
  }
}

interface Tally {
  retried: number;
  lost: string[];
  published: number[];
  requests: number;
  typed: number;
  increments: number;
  kills: number;
}

/** Worker processes (by their VIRTUFIN_WORKER_ID) still running on this machine. */
function workerProcesses(ids: readonly string[]): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, "latin1");
      if (ids.some((id) => environ.includes(`VIRTUFIN_WORKER_ID=${id}`))) found.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

describe("three replicas on one Redis, replicas SIGKILLed and Redis restarted under load", () => {
  let cluster: Cluster | undefined;
  const clients: ApiClient[] = [];
  const warnings: string[] = [];
  afterAll(async () => {
    for (const client of clients) await client.close();
    await cluster?.stop();
  });

  it("loses nothing, duplicates nothing, answers everything, counts exactly", async () => {
    cluster = await startCluster({
      replicas: 3,
      claimIdleMs: 1_000,
      onLog: (replica, line) => warnings.push(`${replica}: ${line}`),
    });
    const c = cluster;
    progress("cluster up");
    const client = () => {
      const api = new ApiClient({ host: "127.0.0.1", port: c.proxy.port });
      clients.push(api);
      return api;
    };

    // Workers, created through one replica; every replica runs them (the shared registry).
    const wm = new WorkManagerClient({ host: "127.0.0.1", port: c.slots[0]!.ports.workmanager });
    const content = (code: string) => ({ source: { case: "content" as const, value: new TextEncoder().encode(code) } });
    const jsId = await wm.createWorker({ codeSource: content(JS_WORKER), mimeType: "text/javascript", topic: "kill-rr" });
    const timeTopic = TimeWorkerPubsubBinding.methods["Elapsed"]!.topic;
    const pyId = await wm.createWorker({ codeSource: content(PYTHON_TIME_WORKER), mimeType: "text/x-python", topic: timeTopic });
    await wm.startWorker(jsId);
    await wm.startWorker(pyId);
    await wm.close();

    progress("workers created");
    const tally: Tally = {
      retried: 0,
      lost: [],
      published: Array<number>(PUBLISHERS).fill(0),
      requests: 0,
      typed: 0,
      increments: 0,
      kills: 0,
    };

    // Subscribers, each on its own connection (the proxy spreads them over the replicas).
    const stopSubscribers = new AbortController();
    const received: PubsubEvent[][] = [];
    const readers = await Promise.all(
      Array.from({ length: SUBSCRIBERS }, async (_, i) => {
        received[i] = [];
        const events = await client().pubsub.subscribeReady("kill-events", {
          signal: stopSubscribers.signal,
          readyTimeoutMs: 20_000,
        });
        // Wrapped: an async function returning the reading promise would wait for it.
        return {
          reading: (async () => {
            for await (const event of events) received[i]!.push(event);
          })(),
        };
      }),
    );

    progress("subscribers live");
    // State counters with an idempotency token per increment: a retried increment whose first
    // save did land is not applied twice.
    const counterApi = client();
    for (let k = 0; k < COUNTERS; k++)
      await persist("create counter", tally, () =>
        counterApi.state.save("kill", `counter-${k}`, JSON.stringify({ n: 0, tokens: [] })),
      );

    let running = true;
    const chaosEnds = Date.now() + CHAOS_MS;
    const work: Promise<unknown>[] = [];

    // Publishers: in order, each event with its own ce-id, retried with the same id.
    for (let p = 0; p < PUBLISHERS; p++) {
      const api = client();
      work.push(
        (async () => {
          for (let seq = 0; running; seq++) {
            await persist(`publish ${p}/${seq}`, tally, () =>
              api.pubsub.publish("kill-events", { p, seq }, { metadata: { "ce-id": `pub-${p}-${seq}` } }),
            );
            tally.published[p] = seq + 1;
            await sleep(20);
          }
        })(),
      );
    }
    // Request-reply to the JavaScript worker, two loops.
    for (let r = 0; r < 2; r++) {
      const api = client();
      work.push(
        (async () => {
          for (let n = 0; running; n++) {
            const reply = await persist(`request ${r}/${n}`, tally, () =>
              api.pubsub.publishWithResult({
                topic: "kill-rr",
                data: { n },
                replyTopic: `kill-rr-replies-${r}`,
                correlationId: `rr-${r}-${n}`,
                timeoutMs: 15_000,
              }),
            );
            expect(reply.dataAsJson()).toEqual({ n, twice: n * 2 });
            tally.requests += 1;
          }
        })(),
      );
    }
    // The generated typed pub/sub proxy, answered by the Python worker.
    const time = new TimeWorkerPubsubProxy(client());
    work.push(
      (async () => {
        for (let n = 0; running; n++) {
          const elapsed = await persist(`typed ${n}`, tally, () =>
            time.elapsed({ fromUnixSeconds: 1_000n, toUnixSeconds: BigInt(1_000 + n) }, { timeoutMs: 15_000 }),
          );
          expect(elapsed).toBe(BigInt(n));
          tally.typed += 1;
        }
      })(),
    );
    // 50 increments per second, spread over the counters, each one concurrent.
    const increments: Promise<void>[] = [];
    const incrementApi = client();
    work.push(
      (async () => {
        for (let i = 0; running; i++) {
          const key = `counter-${i % COUNTERS}`;
          const token = `inc-${i}`;
          increments.push(
            persist(`increment ${i}`, tally, () =>
              incrementApi.state.update(
                "kill",
                key,
                (value) => {
                  const current = JSON.parse(value ?? '{"n":0,"tokens":[]}') as { n: number; tokens: string[] };
                  if (current.tokens.includes(token)) return value!;
                  return JSON.stringify({ n: current.n + 1, tokens: [...current.tokens, token].slice(-100) });
                },
                { maxAttempts: 1_000 },
              ),
            ).then(() => void (tally.increments += 1)),
          );
          await sleep(20);
        }
      })(),
    );

    // Chaos: every 2–3 s a replica is SIGKILLed and started again (in the background: a start
    // takes seconds on a busy machine), never the last one up; Redis restarted once, half way.
    let redisRestarted = false;
    const restarting = new Set<string>();
    const restarts: Promise<void>[] = [];
    for (let k = 0; Date.now() < chaosEnds;) {
      await sleep(2_000 + Math.random() * 1_000);
      if (!redisRestarted && Date.now() > chaosEnds - CHAOS_MS / 2) {
        redisRestarted = true;
        await c.redis.restart();
        progress("Redis restarted");
      }
      const up = c.slots.filter((slot) => !restarting.has(slot.id));
      if (up.length < 2) continue;
      const victim = up[k++ % up.length]!;
      restarting.add(victim.id);
      restarts.push(
        c.bounce(victim).then(() => {
          restarting.delete(victim.id);
          progress(`${victim.id} back`);
        }),
      );
      tally.kills += 1;
      progress(
        `killed ${victim.id}; published ${tally.published.join("+")}, requests ${tally.requests}, typed ${tally.typed}, increments ${tally.increments}, retried ${tally.retried}`,
      );
    }
    await Promise.all(restarts);
    running = false;
    progress("load stopped");
    await Promise.all(work);
    await Promise.all(increments);
    progress(`load settled; subscribers have ${received.map((r) => r.length).join(", ")}`);

    // Every subscriber gets every event, once, in each publisher's order.
    const expected = tally.published.reduce((a, b) => a + b, 0);
    await until("every subscriber has every event", () => received.every((events) => events.length >= expected), 30_000);
    await sleep(300); // a late duplicate would show now
    stopSubscribers.abort();
    await Promise.all(readers.map((r) => r.reading));
    const counters = await Promise.all(
      // Retried like every other call here: the client's connection may be to a replica killed meanwhile.
      Array.from(
        { length: COUNTERS },
        async (_, k) =>
          (
            JSON.parse(
              (await persist("read counter", tally, () => counterApi.state.get("kill", `counter-${k}`))).value ?? "{}",
            ) as { n: number }
          ).n,
      ),
    );
    const pending = { js: await pendingEvents(c.redis, "kill-rr"), py: await pendingEvents(c.redis, timeTopic) };
    await until(
      "nothing pending in the consumer groups",
      async () => (await pendingEvents(c.redis, "kill-rr")) + (await pendingEvents(c.redis, timeTopic)) === 0,
      15_000,
    );

    console.log(
      [
        "kill test tally:",
        `  replica kills ${tally.kills}, Redis restarts ${redisRestarted ? 1 : 0}, failed attempts retried ${tally.retried}`,
        `  events published ${expected} (${tally.published.join(" + ")}), received per subscriber ${received.map((r) => r.length).join(", ")}`,
        `  request-replies answered ${tally.requests} (JavaScript worker), typed client ${tally.typed} (Python worker), lost ${tally.lost.length}`,
        `  increments ${tally.increments}, counters ${counters.join(" + ")} = ${counters.reduce((a, b) => a + b, 0)}`,
        `  pending at the end of the load: ${JSON.stringify(pending)}; replica warnings ${warnings.length}:`,
        ...warnings.slice(0, 20).map((w) => `    ${w.slice(0, 200)}`),
      ].join("\n"),
    );

    for (const events of received) {
      const ids = events.map((e) => e.messageId);
      expect(new Set(ids).size).toBe(ids.length);
      expect(events.length).toBe(expected);
      for (let p = 0; p < PUBLISHERS; p++) {
        const seqs = events
          .map((e) => e.dataAsJson<{ p: number; seq: number }>())
          .filter((d) => d.p === p)
          .map((d) => d.seq);
        expect(seqs).toEqual([...Array(tally.published[p]).keys()]);
      }
    }
    expect(tally.lost).toEqual([]);
    expect(tally.requests).toBeGreaterThan(0);
    expect(tally.typed).toBeGreaterThan(0);
    expect(counters.reduce((a, b) => a + b, 0)).toBe(tally.increments);
    // A restart takes seconds on a busy machine and one replica always stays up: at least 3 kills in 20 s.
    expect(tally.kills).toBeGreaterThanOrEqual(3);

    // Nothing left over: every replica process that was killed is gone; once the clients are
    // closed, no subscription stream is left on any replica (each holds a Redis connection of its
    // own: what remains is one per replica, one for its inspector's event history, and one per
    // worker instance); after the stop no worker process either.
    for (const slot of c.slots) for (const pid of slot.pids.slice(0, -1)) expect(alive(pid)).toBe(false);
    for (const api of clients.splice(0)) await api.close();
    const baseline = c.slots.length * (1 + 1 + 2);
    await until(
      `only the replicas' own ${baseline} Redis connections left`,
      async () => (await emulatorConnections(c.redis)) === baseline,
      15_000,
    );
    await c.stop();
    cluster = undefined;
    for (const slot of c.slots) for (const pid of slot.pids) expect(alive(pid)).toBe(false);
    await until("no worker process left", () => workerProcesses([jsId, pyId]).length === 0, 10_000);
  }, 150_000);
});
