/**
 * Seed: virtufin-api Python client, "Example: Subscribe to Events" — a handler receiving
 * Gateway-wide platform events (here: state changes caused by the example itself).
 *
 *   npx tsx examples/subscribe-events.ts
 */
import { ApiClient, type GatewayEvent } from "@virtufin/sdk";
import { apiEndpoint, run } from "./support.js";

run(async () => {
  await using client = new ApiClient(apiEndpoint());
  const events: GatewayEvent[] = [];

  const handler = {
    onEvent(event: GatewayEvent) {
      events.push(event);
      console.log(`Event: ${event.eventType}/${event.topic} ${event.dataAsText()}`);
    },
    onError(error: Error) {
      console.log(`Error: ${error.message}`);
    },
  };

  await using subscription = client.subscribeWithHandler(handler, { eventTypes: ["state"] });

  // Keep running... and cause a few events (the seed waits 10 s; we stop after three).
  for (let i = 0; events.length < 3 && i < 100; i++) {
    await client.state.save("workmanager", `subscribe-example-${i}`, String(i), { includeValue: true });
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log(`Received ${events.length} events`);
  void subscription;
});
