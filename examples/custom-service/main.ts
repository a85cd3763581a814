/**
 * The whole custom-service path: the example's own Pricing service, served with reflection and
 * registered in the emulator's services config, called directly, through its generated typed
 * gateway proxy and through dynamic dispatch; then the pub/sub-bound TimeWorker, answered first
 * by a TypeScript responder (`serveTimeWorker`) and then by a Python worker in the WorkManager,
 * behind the same generated `TimeWorkerPubsubProxy`.
 *
 *   npx tsx examples/custom-service/main.ts
 */
import { pathToFileURL } from "node:url";
import { startEmulator } from "@virtufin/emulator";
import { ApiClient, VirtufinError, WorkManagerGatewayProxy } from "@virtufin/sdk";
import {
  PricingClient,
  PricingGatewayProxy,
  serveTimeWorker,
  TimeWorkerPubsubBinding,
  TimeWorkerPubsubProxy,
  type PricingApi,
  type TimeWorkerApi,
} from "./gen/acme/pricing/v1/pricing_client.js";
import { startPricingServer } from "./pricing-service.js";
import { PYTHON_TIME_WORKER, timeWorkerImpl } from "./time-worker.js";

/** The code name of a failed call ("NOT_FOUND"), or rethrows what is not a VirtufinError. */
async function failure(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    if (error instanceof VirtufinError) return error.codeName;
    throw error;
  }
  return "no error";
}

/** The same Pricing calls through any route. */
async function quoteVia(label: string, pricing: PricingApi): Promise<void> {
  const quote = await pricing.quote({ symbol: "BTCUSDT", quantity: 2 });
  console.log(`${label}: ${quote.symbol} x2 = ${quote.total} (unit ${quote.unitPrice})`);
  console.log(`${label}: instruments ${(await pricing.listInstruments()).join(", ")}`);
  console.log(`${label}: unknown symbol -> ${await failure(pricing.quote({ symbol: "NOPE", quantity: 1 }))}`);
}

/** The same TimeWorker calls, whoever answers them. */
async function askTime(label: string, time: TimeWorkerApi): Promise<void> {
  const reply = await time.getTime({ zone: "UTC", unixSeconds: 1_700_000_000n }, { timeoutMs: 15_000 });
  console.log(`${label}: GetTime -> ${reply.iso} ${reply.zone}`);
  const seconds = await time.elapsed({ fromUnixSeconds: 1_700_000_000n, toUnixSeconds: 1_700_003_600n }, { timeoutMs: 15_000 });
  console.log(`${label}: Elapsed -> ${seconds} s`);
  console.log(`${label}: unknown zone -> ${await failure(time.getTime({ zone: "Mars/Olympus" }, { timeoutMs: 15_000 }))}`);
}

/** Runs the example against its own emulator and Pricing server on free loopback ports. */
export async function main(): Promise<void> {
  const pricingServer = await startPricingServer(0);
  // The services config of the emulator: the Gateway dispatches "pricing" to our server.
  const emulator = await startEmulator({
    ports: 0,
    logLevel: "warn",
    services: { pricing: { host: pricingServer.host, port: pricingServer.port } },
  });
  try {
    const { gateway } = emulator.addresses;
    await using api = new ApiClient({ host: gateway.host, port: gateway.port });
    console.log(`Gateway services: ${(await api.listServices()).join(", ")}`);

    // 1. Directly, over gRPC to our server.
    await using direct = new PricingClient({ host: pricingServer.host, port: pricingServer.port });
    await quoteVia("Direct", direct);
    // 2. Through the Gateway with the generated typed proxy (backend "pricing" from the proto).
    await quoteVia("Gateway proxy", new PricingGatewayProxy(api));
    // 3. Fully dynamic, as for a service unknown at generation time.
    const raw = await api.gateway.service("pricing").call("Quote", { symbol: "ETHUSDT", quantity: 4 });
    console.log(`Dynamic: ${JSON.stringify(raw)}`);

    // 4. Typed request-reply over pub/sub, answered by a TypeScript responder...
    const time = new TimeWorkerPubsubProxy(api);
    const responder = serveTimeWorker(api, timeWorkerImpl);
    await responder.startup();
    try {
      await askTime("TypeScript responder", time);
    } finally {
      await responder.shutdown();
    }

    // 5. ...and by a Python worker in the WorkManager (created through the typed gateway proxy).
    const workmanager = new WorkManagerGatewayProxy(api);
    const workerId = await workmanager.createWorker({
      codeSource: { content: new TextEncoder().encode(PYTHON_TIME_WORKER) },
      mimeType: "text/x-python",
      topic: TimeWorkerPubsubBinding.methods["GetTime"]!.topic,
    });
    await workmanager.startWorker(workerId);
    try {
      await askTime("Python worker", time);
    } finally {
      await workmanager.deleteWorker(workerId);
    }
  } finally {
    await emulator.stop();
    await pricingServer.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { run } = await import("../support.js");
  run(main);
}
