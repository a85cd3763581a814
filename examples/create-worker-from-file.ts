/**
 * Seed: WorkManager Python client, `create_worker_from_file` — create a worker from a source
 * file; the MIME type is inferred from the extension (.py → text/x-python, .js → text/javascript).
 *
 *   npx tsx examples/create-worker-from-file.ts
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WorkManagerClient } from "@virtufin/sdk";
import { createWorkerFromFile } from "@virtufin/sdk/node";
import { run, workManagerEndpoint } from "./support.js";

run(async () => {
  const dir = await mkdtemp(join(tmpdir(), "virtufin-example-"));
  try {
    const file = join(dir, "time_worker.js");
    await writeFile(
      file,
      'function Process(event) {\n  return { type: "com.example.time", source: "js-worker", data: { now: new Date().toISOString() } };\n}\nmodule.exports = { Process };\n',
    );
    await using client = new WorkManagerClient(workManagerEndpoint());
    const workerId = await createWorkerFromFile(client, file, { topic: "time-worker-topic" });
    const worker = (await client.listWorkers()).find((w) => w.id === workerId);
    console.log(`Created ${workerId} from ${file.split("/").pop()}: ${worker?.mimeType} (${worker?.language})`);
    await client.deleteWorker(workerId);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
