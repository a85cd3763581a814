/**
 * Workers on Redis: every replica runs every registered worker as a competing consumer (each
 * event processed once), group exclusion across replicas, the registry persisted through a full
 * restart of replicas and Redis (RecoverWorkers returns the count).
 */
import { afterEach, describe, expect, it } from "vitest";
import { WorkManagerClient } from "../../generated/virtufin/workmanager_client.js";
import { WorkerStatus } from "../../generated/virtufin/workmanager_pb.js";
import type { Replica } from "./helpers.js";
import { pendingEvents, startPlatform, startReplica, until, type Platform } from "./helpers.js";

const bytes = (code: string) => new TextEncoder().encode(code);
const clients: WorkManagerClient[] = [];
const wmOf = (replica: Replica) => {
  const client = new WorkManagerClient({ host: "127.0.0.1", port: replica.emulator.addresses.workmanager.port });
  clients.push(client);
  return client;
};

/** Creates and starts a worker through `replica`; returns its id. */
async function runWorker(replica: Replica, code: string, topic: string, mimeType: string, group = ""): Promise<string> {
  const wm = wmOf(replica);
  const id = await wm.createWorker({ codeSource: { source: { case: "content", value: bytes(code) } }, mimeType, topic, group });
  await wm.startWorker(id);
  return id;
}

/** Waits until every replica lists the worker RUNNING (they follow the shared registry). */
async function runningEverywhere(replicas: readonly Replica[], id: string): Promise<void> {
  for (const replica of replicas) {
    const wm = wmOf(replica);
    await until(`worker ${id} running on ${replica.emulator.replicaId}`, async () =>
      (await wm.listWorkers()).some((w) => w.id === id && w.status === WorkerStatus.RUNNING),
    );
  }
}

const PID_WORKER = `async function Process(event) {
  await new Promise((r) => setTimeout(r, 30));
  return { type: "pid-reply", source: "js", data: { pid: process.pid, n: event.data.n } };
}`;

describe("workers on Redis, across replicas", () => {
  let platform: Platform | undefined;
  afterEach(async () => {
    for (const client of clients.splice(0)) await client.close();
    await platform?.stop();
    platform = undefined;
  });

  it("every replica runs the worker, and each request is processed by exactly one instance", async () => {
    platform = await startPlatform(2);
    const [a, b] = platform.replicas;
    const id = await runWorker(a!, PID_WORKER, "pids", "text/javascript");
    await runningEverywhere(platform.replicas, id);
    const replies = await Promise.all(
      Array.from({ length: 30 }, (_, n) =>
        (n % 2 === 0 ? a! : b!).api.pubsub.publishWithResult({
          topic: "pids",
          data: { n },
          replyTopic: `pid-replies-${n % 2}`,
          timeoutMs: 15_000,
        }),
      ),
    );
    const data = replies.map((r) => r.dataAsJson<{ pid: number; n: number }>());
    expect(data.map((d) => d.n).sort((x, y) => x - y)).toEqual([...Array(30).keys()]);
    // Two worker processes (one per replica) shared the work.
    expect(new Set(data.map((d) => d.pid)).size).toBe(2);
    // Nothing is left pending in the topic's consumer group.
    await until("no pending event", async () => (await pendingEvents(platform!.redis, "pids")) === 0);
  });

  it("members of one group never process at the same time, across replicas", async () => {
    platform = await startPlatform(2);
    const [a, b] = platform.replicas;
    const code = [
      "import time",
      "def Process(event):",
      "    start = time.time()",
      "    time.sleep(0.1)",
      "    return {'type': event['data']['out'], 'source': 'g', 'data': {'start': start, 'end': time.time()}}",
    ].join("\n");
    const overlaps = async (group: string, out: string) => {
      const ids = [
        await runWorker(a!, code, `${out}-a`, "text/x-python", group),
        await runWorker(b!, code, `${out}-b`, "text/x-python", group),
      ];
      for (const id of ids) await runningEverywhere(platform!.replicas, id);
      const stop = new AbortController();
      const runs: { start: number; end: number }[] = [];
      const events = await a!.api.pubsub.subscribeReady(out, { signal: stop.signal });
      const reading = (async () => {
        for await (const event of events) runs.push(event.dataAsJson<{ start: number; end: number }>());
      })();
      for (let i = 0; i < 4; i++) {
        await a!.api.pubsub.publish(`${out}-a`, { out });
        await b!.api.pubsub.publish(`${out}-b`, { out });
      }
      await until(`8 runs of ${out}`, () => runs.length >= 8, 20_000);
      stop.abort();
      await reading;
      runs.sort((x, y) => x.start - y.start);
      let count = 0;
      for (let i = 1; i < runs.length; i++) if (runs[i]!.start < runs[i - 1]!.end) count++;
      return count;
    };
    expect(await overlaps("", "nogroup")).toBeGreaterThan(0); // the measurement can see overlap
    expect(await overlaps("exclusive", "grouped")).toBe(0);
  });

  it("after a full restart of every replica and of Redis (AOF), RecoverWorkers brings every worker back and returns the count", async () => {
    platform = await startPlatform(2, {}, { aof: true });
    const [a] = platform.replicas;
    const py = await runWorker(
      a!,
      "import os\ndef Process(event):\n    return {'type': 'r', 'source': 'py', 'data': {'lang': 'py'}}\n",
      "recover-py",
      "text/x-python",
    );
    const js = await runWorker(
      a!,
      "function Process(event) { return { type: 'r', source: 'js', data: { lang: 'js' } }; }",
      "recover-js",
      "text/javascript",
    );
    await wmOf(a!).stopWorker(js); // persisted STOPPED: followed after the restart until recovered
    await runningEverywhere(platform.replicas, py);

    // Everything goes down: both replicas, then Redis (SIGKILL; the AOF has every write).
    for (const replica of platform.replicas.splice(0)) await replica.stop();
    await platform.redis.restart();
    const fresh = [await startReplica(platform.redis, "r0-again"), await startReplica(platform.redis, "r1-again")];
    platform.replicas.push(...fresh);

    const before = await wmOf(fresh[0]!).listWorkers();
    expect(before.map((w) => [w.id, w.status]).sort()).toEqual(
      [
        [js, WorkerStatus.STOPPED],
        [py, WorkerStatus.RUNNING],
      ].sort(),
    );
    expect(await wmOf(fresh[1]!).recoverWorkers()).toBe(2);
    await runningEverywhere(fresh, js);
    await runningEverywhere(fresh, py);
    for (const [topic, lang] of [
      ["recover-py", "py"],
      ["recover-js", "js"],
    ] as const) {
      const reply = await fresh[0]!.api.pubsub.publishWithResult({
        topic,
        data: {},
        replyTopic: `recover-replies-${lang}`,
        timeoutMs: 15_000,
      });
      expect(reply.dataAsJson()).toEqual({ lang });
    }
    const history = await wmOf(fresh[0]!).getWorkerHistory(py);
    expect(history).toHaveLength(1);
  });
});
