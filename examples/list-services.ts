/**
 * Seed: virtufin-api Python client, "Example: List Services" — and, beyond the seed, the methods
 * the Gateway discovered for each service through reflection.
 *
 *   npx tsx examples/list-services.ts
 */
import { ApiClient } from "@virtufin/sdk";
import { apiEndpoint, run } from "./support.js";

run(async () => {
  await using client = new ApiClient(apiEndpoint());
  const services = await client.listServices();
  console.log(services);
  for (const service of services) {
    const methods = await client.listMethods(service);
    console.log(`${service}: ${methods.map((m) => m.name).join(", ")}`);
  }
});
