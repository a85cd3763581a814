/**
 * Seed: virtufin-api Python client, "Example: Request-Reply" — publish a command and await the
 * correlated response. The seed assumes a worker answers on "worker-commands"; this example
 * creates that worker in the WorkManager first (Python, answering through `replytopic`), so it
 * runs on its own.
 *
 *   npx tsx examples/request-reply.ts
 */
import { WorkManagerClient, ApiClient } from "@virtufin/sdk";
import { apiEndpoint, run, workManagerEndpoint } from "./support.js";

const RESPONDER = `
def Process(event):
    command = event["data"].get("command")
    return {"type": "worker.response", "source": "status-worker",
            "data": {"command": command, "success": True, "status": "ok"}}
`;

run(async () => {
  await using client = new ApiClient(apiEndpoint());
  await using workmanager = new WorkManagerClient(workManagerEndpoint());

  const requestTopic = "worker-commands";
  const replyTopic = "worker-responses";

  const workerId = await workmanager.createWorker({
    codeSource: { content: new TextEncoder().encode(RESPONDER) },
    mimeType: "text/x-python",
    topic: requestTopic,
  });
  await workmanager.startWorker(workerId);
  try {
    // Publish a command and wait for the correlated response
    const response = await client.pubsub.publishWithResult({
      topic: requestTopic,
      data: { command: "status" },
      replyTopic,
      timeoutMs: 10_000,
    });
    console.log(`Got response: ${JSON.stringify(response.dataAsJson())}`);
    console.log(`Correlation id: ${response.correlationId}`);
  } finally {
    await workmanager.deleteWorker(workerId);
  }
});
