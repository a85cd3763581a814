/**
 * Seed: virtufin-api Python client, "Example: State Management" — save, get (value and etag),
 * register keys and get all; plus what the seed leaves to the reader: an etag conflict as its own
 * error, and a read-modify-write update that retries until it wins.
 *
 *   npx tsx examples/state-management.ts
 */
import { ApiClient, EtagMismatchError } from "@virtufin/sdk";
import { apiEndpoint, run } from "./support.js";

run(async () => {
  await using client = new ApiClient(apiEndpoint());

  // Save state
  await client.state.save("workmanager", "mykey", "myvalue");
  console.log("Saved: true");

  // Get state
  const state = await client.state.get("workmanager", "mykey");
  console.log(`Value: ${state.value}, Etag: ${state.etag}`);

  // Register keys and get all state
  await client.state.registerKeys("workmanager", ["key1", "key2"]);
  const allState = await client.state.getAll("workmanager");
  console.log(`All state: ${JSON.stringify(allState)}`);

  // Optimistic concurrency: a save with a stale etag fails with EtagMismatchError (ABORTED).
  await client.state.save("workmanager", "mykey", "changed elsewhere");
  try {
    await client.state.save("workmanager", "mykey", "mine", { etag: state.etag });
  } catch (error) {
    if (!(error instanceof EtagMismatchError)) throw error;
    console.log(`Etag conflict: ${error.codeName}`);
  }

  // Read-modify-write with etags, retried until it wins.
  await client.state.save("workmanager", "counter", "0");
  await Promise.all(
    Array.from({ length: 5 }, () => client.state.update("workmanager", "counter", (v) => String(Number(v ?? 0) + 1))),
  );
  console.log(`Counter: ${(await client.state.get("workmanager", "counter")).value}`);
});
