/**
 * Seed: virtufin-api Python client, "Example: Pub/Sub" — subscribe in the background, publish
 * five messages, then stop the subscription.
 *
 *   npx tsx examples/pubsub.ts
 */
import { ApiClient } from "@virtufin/sdk";
import { apiEndpoint, run } from "./support.js";

run(async () => {
  await using client = new ApiClient(apiEndpoint());
  const topic = "my-topic";
  const stop = new AbortController();
  let received = 0;

  // Subscribe (subscribeReady resolves once the server has registered the subscription, so no
  // message published after it is missed; `subscribe` alone starts it in the background).
  const events = await client.pubsub.subscribeReady(topic, { signal: stop.signal });
  const collect = (async () => {
    for await (const event of events) {
      console.log(`Received: ${event.dataAsText()}`);
      if (++received === 5) break;
    }
  })();

  // Publish events
  for (let i = 0; i < 5; i++) {
    await client.pubsub.publish(topic, `Message ${i}`);
    await new Promise((r) => setTimeout(r, 50));
  }

  // Wait for the five messages, but never forever.
  const deadline = setTimeout(() => stop.abort(), 5_000);
  await collect;
  clearTimeout(deadline);
  stop.abort();
  console.log(`Done: ${received} received`);
});
