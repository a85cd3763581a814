/**
 * Seed: WorkManager Python client, "Quick Start" — create a worker, list workers, delete it.
 *
 *   npx tsx examples/workmanager-quick-start.ts
 */
import { WorkManagerClient, WorkerStatus } from "@virtufin/sdk";
import { run, workManagerEndpoint } from "./support.js";

run(async () => {
  await using client = new WorkManagerClient(workManagerEndpoint());

  // Create a worker
  const workerId = await client.createWorker({
    codeSource: {
      content: new TextEncoder().encode(
        'def Process(event):\n    return {"type": "com.example.output", "source": "test", "data": event["data"]}\n',
      ),
    },
    mimeType: "text/x-python",
    topic: "my-topic",
  });
  console.log(`Created worker: ${workerId}`);

  // List workers
  for (const w of await client.listWorkers()) {
    console.log(`  ${w.id}: ${WorkerStatus[w.status]}`);
  }

  // Delete worker
  await client.deleteWorker(workerId);
});
