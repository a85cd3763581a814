/**
 * Seed: virtufin-api Python client, "DaprPublisher" — publish straight to the Dapr sidecar,
 * bypassing the Virtufin API. The platform's pub/sub is Dapr's, so a Virtufin subscriber
 * receives the event.
 *
 *   npx tsx examples/dapr-publisher.ts      (against `npm run emulator`: its Dapr sidecar API
 *                                            listens on Dapr's port 50001, or $DAPR_GRPC_PORT)
 */
import { ApiClient, DaprPublisher, VirtufinError } from "@virtufin/sdk";
import { apiEndpoint, run } from "./support.js";

run(async () => {
  await using client = new ApiClient(apiEndpoint());
  const stop = new AbortController();
  const events = await client.pubsub.subscribeReady("my-topic", { signal: stop.signal });

  // The seed: publisher = DaprPublisher(pubsub_name="pubsub")
  //           await publisher.publish_async("my-topic", {"key": "value"})
  // Host, port and token come from DAPR_RUNTIME_HOST, DAPR_GRPC_PORT (50001) and DAPR_API_TOKEN.
  await using publisher = new DaprPublisher({ pubsubName: "pubsub" });
  await publisher.publishAsync("my-topic", { key: "value" });

  // Several events in one call; the entries the sidecar could not publish come back.
  const failed = await publisher.bulkPublish("my-topic", [{ data: { key: "bulk-1" } }, { data: "bulk-2" }]);
  console.log(`Bulk publish failures: ${failed.length}`);

  let received = 0;
  const deadline = setTimeout(() => stop.abort(), 5_000);
  for await (const event of events) {
    console.log(`Received via Dapr: ${event.dataAsText()} (type ${event.type}, source ${event.source})`);
    if (++received === 3) break;
  }
  clearTimeout(deadline);
  stop.abort();

  // An unknown pub/sub component is a typed error, as from the sidecar.
  await using other = new DaprPublisher({ pubsubName: "kafka" });
  try {
    await other.publish("my-topic", { key: "value" });
  } catch (error) {
    if (error instanceof VirtufinError) console.log(`Unknown component: ${error.codeName}`);
    else throw error;
  }
});
