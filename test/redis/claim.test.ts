/**
 * The pending events of a replica that died are claimed by another after the idle time.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { WorkManagerClient } from "../../generated/virtufin/workmanager_client.js";
import { ApiClient } from "../../platform/api-client.js";
import { startRedisServer, type RedisServer } from "../support/redis-server.js";
import { pendingEvents, startReplica, storedEvents, until, type Replica } from "./helpers.js";
import { emulatorPorts, spawnReplica, type ReplicaProcess } from "./replica-process.js";

// Sleeps on the first delivery of an event (the replica is killed meanwhile), answers at once
// on the next: the marker file tells them apart.
const WORKER = [
  "import os, time",
  "def Process(event):",
  "    marker = event['data']['marker']",
  "    if not os.path.exists(marker):",
  "        open(marker, 'w').close()",
  "        time.sleep(5)",
  "    return {'type': 'claimed', 'source': 'py', 'data': {'pid': os.getpid()}}",
].join("\n");

describe("a replica dies with an event in progress", () => {
  let redis: RedisServer | undefined;
  let doomed: ReplicaProcess | undefined;
  let survivor: Replica | undefined;
  const dir = mkdtempSync(join(tmpdir(), "virtufin-claim-"));
  afterAll(async () => {
    await doomed?.kill();
    await survivor?.stop();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("another replica claims it after the idle time and answers it; nothing stays pending", async () => {
    redis = await startRedisServer();
    const ports = await emulatorPorts();
    doomed = await spawnReplica({ ports, redisUrl: redis.url, replicaId: "doomed", claimIdleMs: 1_000 });
    const wm = new WorkManagerClient({ host: "127.0.0.1", port: ports.workmanager });
    const api = new ApiClient({ host: "127.0.0.1", port: ports.gateway });
    const id = await wm.createWorker({
      codeSource: { source: { case: "content", value: new TextEncoder().encode(WORKER) } },
      mimeType: "text/x-python",
      topic: "claim-me",
    });
    await wm.startWorker(id);
    await wm.close();

    // The request goes to the only replica, whose worker starts on it (the marker appears).
    const marker = join(dir, "marker");
    await api.pubsub.publish("claim-me", { marker }, { metadata: { replytopic: "claim-replies" }, correlationId: "claim-1" });
    await until("the event in progress on the doomed replica", async () => (await pendingEvents(redis!, "claim-me")) === 1);
    await api.close();
    await doomed.kill();

    // A new replica takes the worker from the registry and claims the abandoned event.
    survivor = await startReplica(redis, "survivor", { redis: { claimIdleMs: 1_000 } });
    const started = Date.now();
    const replies = async () => (await storedEvents(redis!, "claim-replies")).map((meta) => meta["correlationid"]);
    await until("the claimed event's reply", async () => (await replies()).length >= 1, 20_000);
    expect(Date.now() - started).toBeLessThan(15_000);
    await until("nothing pending", async () => (await pendingEvents(redis!, "claim-me")) === 0);
    // Answered once: the doomed replica's attempt died with it.
    expect(await replies()).toEqual(["claim-1"]);
  });
});
