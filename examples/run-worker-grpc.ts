/**
 * Seed: WorkManager docs, "Direct gRPC Usage" — run a worker using dynamic method invocation
 * without generated stubs, straight to the WorkManager port, through gRPC server reflection:
 * create a worker, start it, publish a request and await its reply, list and delete. Requests
 * and responses are proto JSON (bytes as base64), as the reflection client reads and writes them.
 *
 *   npx tsx examples/run-worker-grpc.ts
 */
import { ReflectionClient, sleep } from "@virtufin/sdk";
import { apiEndpoint, run, workManagerEndpoint } from "./support.js";

const RESPONDER = `
def Process(event):
    return {"type": "worker.response", "source": "grpc-worker",
            "data": {"echo": event["data"], "handled_by": "python"}}
`;

const base64 = (text: string) => Buffer.from(text).toString("base64");
const text = (data: string | undefined) => Buffer.from(data ?? "", "base64").toString();

run(async () => {
  await using workmanager = new ReflectionClient(workManagerEndpoint());
  await using gateway = new ReflectionClient(apiEndpoint());
  console.log(`WorkManager services: ${(await workmanager.listServices()).join(", ")}`);

  const requestTopic = "grpc-worker-requests";
  const replyTopic = "grpc-worker-replies";
  const { id } = (await workmanager.call("virtufin.WorkManager/CreateWorker", {
    codeSource: { content: base64(RESPONDER) },
    mimeType: "text/x-python",
    topic: requestTopic,
  })) as { id: string };
  console.log(`Created worker: ${id}`);
  const controller = new AbortController();
  let replies: AsyncIterator<unknown, unknown> | undefined;
  try {
    await workmanager.call("virtufin.WorkManager/StartWorker", { id });

    const publish = (topic: string, data: unknown, metadata: Record<string, string> = {}) =>
      gateway.call("virtufin.Pubsub/PublishEvent", {
        topic,
        data: base64(JSON.stringify(data)),
        metadata: { "ce-datacontenttype": "application/json", ...metadata },
      });

    // Listen for replies first. The subscription starts on the server asynchronously, so a probe
    // is published on the reply topic until it comes back: from then on no reply can be missed.
    const subscription = gateway.stream("virtufin.Pubsub/Subscribe", { topic: replyTopic }, { signal: controller.signal });
    replies = subscription[Symbol.asyncIterator]();
    const first = replies.next();
    const reply = replies;
    for (let ready = false; !ready;) {
      await publish(replyTopic, { probe: true });
      ready = await Promise.race([first.then(() => true), sleep(100).then(() => false)]);
    }

    const correlationId = crypto.randomUUID();
    await publish(requestTopic, { command: "status" }, { replytopic: replyTopic, correlationid: correlationId });
    for (;;) {
      const { value, done } = await reply.next();
      if (done) throw new Error("the subscription ended before the reply");
      const event = value as { metadata?: Record<string, string>; data?: string };
      if (event.metadata?.["correlationid"] !== correlationId) continue; // the probe(s)
      console.log(`Reply: ${text(event.data)}`);
      break;
    }

    const { workers = [] } = (await workmanager.call("virtufin.WorkManager/ListWorkers")) as {
      workers?: { id: string; status: string; topic: string }[];
    };
    for (const worker of workers) console.log(`Worker ${worker.id}: ${worker.status} on ${worker.topic}`);
  } finally {
    controller.abort();
    await replies?.return?.();
    await workmanager.call("virtufin.WorkManager/DeleteWorker", { id });
    const { workers = [] } = (await workmanager.call("virtufin.WorkManager/ListWorkers")) as { workers?: { id: string }[] };
    console.log(`Deleted; still listed: ${workers.some((w) => w.id === id)}`);
  }
});
