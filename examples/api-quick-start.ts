/**
 * Seed: virtufin-api Python client, "Quick Start" — connect to the Gateway and list services.
 *
 *   npx tsx examples/api-quick-start.ts
 */
import { ApiClient } from "@virtufin/sdk";
import { apiEndpoint, run } from "./support.js";

run(async () => {
  await using client = new ApiClient(apiEndpoint());
  const services = await client.listServices();
  console.log(`Services: ${JSON.stringify(services)}`);
});
