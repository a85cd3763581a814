/**
 * Seed: "Error Handling" (both Python clients) — every failure is one error class with a typed
 * gRPC code, whether it comes from a direct call, an in-band Gateway failure or a dead server.
 *
 *   npx tsx examples/error-handling.ts
 */
import { WorkManagerClient, ApiClient, Code, VirtufinError } from "@virtufin/sdk";
import { apiEndpoint, run, workManagerEndpoint } from "./support.js";

async function report(what: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
    console.log(`${what}: succeeded`);
  } catch (error) {
    if (!(error instanceof VirtufinError)) throw error;
    console.log(`${what}: gRPC error ${error.codeName} - ${error.rawMessage}`);
  }
}

run(async () => {
  await using client = new ApiClient(apiEndpoint());
  await using workmanager = new WorkManagerClient(workManagerEndpoint());

  // Gateway errors arrive in-band and are raised with their status code.
  await report("Unknown service", () => client.invoke("unknown-service", "UnknownMethod", {}));
  await report("Unknown method", () => client.invoke("workmanager", "UnknownMethod", {}));

  // StatusCode.NOT_FOUND - Worker doesn't exist
  await report("Delete a missing worker", () => workmanager.deleteWorker("00000000-0000-0000-0000-000000000000"));

  // StatusCode.INVALID_ARGUMENT - Invalid parameters
  await report("Create with an empty MIME type", () =>
    workmanager.createWorker({ codeSource: { content: new Uint8Array([1]) }, mimeType: "", topic: "t" }),
  );

  // StatusCode.UNAVAILABLE - Server not reachable (a port nothing listens on)
  await using dead = new WorkManagerClient({ host: "127.0.0.1", port: 1, timeoutMs: 2_000 });
  await report("Unreachable server", () => dead.listWorkers());

  // Branch on the code, not on the message.
  try {
    await workmanager.startWorker("missing");
  } catch (error) {
    if (error instanceof VirtufinError && error.code === Code.NotFound) console.log("Handled NOT_FOUND by code");
  }
});
