/**
 * Seed: "Via the API Gateway" / "Dynamic Dispatch Examples: WorkManager" — call the WorkManager
 * through the Gateway's dynamic dispatch, with snake_case JSON exactly as the seed does.
 *
 *   npx tsx examples/gateway-workmanager.ts
 */
import { ApiClient } from "@virtufin/sdk";
import { apiEndpoint, run } from "./support.js";

interface Worker {
  id: string;
  status: string;
  language: string;
}

run(async () => {
  await using client = new ApiClient(apiEndpoint());
  const workmanager = client.gateway.workmanager;

  // CreateWorker — CodeSource oneof (url | content), mime_type, topic. The seed fetches its code
  // from a URL; the emulator fetches only from allowed hosts, so this example sends the content
  // (bytes travel base64-encoded in proto JSON).
  const code = "def Process(event):\n    return None\n";
  const createResult: unknown = await workmanager.CreateWorker({
    code_source: { content: Buffer.from(code).toString("base64") },
    mime_type: "text/x-python",
    topic: "worker-commands",
  });
  const workerId = (createResult as { id: string }).id;
  console.log(`Created: ${workerId}`);

  // StartWorker — id field
  await workmanager.StartWorker({ id: workerId });

  // ListWorkers — no request fields; returns {"workers": [...]}
  const workers = (await workmanager.ListWorkers()) as { workers: Worker[] };
  for (const w of workers.workers) console.log(`  ${w.id}: ${w.status} (${w.language})`);

  await workmanager.DeleteWorker({ id: workerId });
});
