/**
 * Seed: WorkManager Python client, "Complete Example" — the whole worker lifecycle: create,
 * list, update the code, read the history, stop, start, delete.
 *
 *   npx tsx examples/workmanager-complete.ts          (against a running emulator)
 *   npm run demo                                        (starts the emulator in-process first)
 */
import { WorkManagerClient, WorkerStatus, type ClientTarget } from "@virtufin/sdk";
import { run, workManagerEndpoint } from "./support.js";

// Worker code as a string
const WORKER_CODE = `
from datetime import datetime

def Process(event):
    return {
        "type": "com.example.time-response",
        "source": "python-worker",
        "data": {
            "current_time": datetime.now().isoformat(),
            "received_event_id": event.get("id", "unknown")
        }
    }
`;

const NEW_CODE = `
from datetime import datetime

def Process(event):
    return {
        "type": "com.example.time-response-v2",
        "source": "python-worker-v2",
        "data": {
            "current_time": datetime.now().isoformat(),
            "message": "Updated worker!"
        }
    }
`;

const status = (s: WorkerStatus) => WorkerStatus[s];

/** The complete worker lifecycle against a WorkManager. */
export async function completeExample(target: ClientTarget = workManagerEndpoint()): Promise<void> {
  await using client = new WorkManagerClient(target);

  console.log("Creating worker...");
  const workerId = await client.createWorker({
    codeSource: { content: new TextEncoder().encode(WORKER_CODE) },
    mimeType: "text/x-python",
    topic: "time-worker-topic",
  });
  console.log(`Created: ${workerId}`);

  console.log("\nListing workers...");
  for (const w of await client.listWorkers()) {
    console.log(`  ${w.id} - ${status(w.status)} - topic=${w.topic}`);
  }

  console.log("\nUpdating worker code...");
  await client.loadCodeFromContent(workerId, new TextEncoder().encode(NEW_CODE));
  console.log("Code updated");

  console.log("\nGetting history...");
  const history = await client.getWorkerHistory(workerId);
  history.forEach((entry, i) => console.log(`  Version ${i}: ${entry.createdAt}`));

  console.log("\nStopping worker...");
  await client.stopWorker(workerId);
  for (const w of await client.listWorkers()) {
    if (w.id === workerId) console.log(`  Status after stop: ${status(w.status)}`);
  }

  console.log("\nStarting worker...");
  await client.startWorker(workerId);

  console.log("\nDeleting worker...");
  await client.deleteWorker(workerId);
  const found = (await client.listWorkers()).some((w) => w.id === workerId);
  console.log(`  Worker still listed: ${found}`);
}

if (import.meta.url === `file://${process.argv[1]}`) run(() => completeExample());
