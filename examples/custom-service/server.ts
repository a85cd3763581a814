/**
 * Serves the example's Pricing service on its own: `npx tsx examples/custom-service/server.ts
 * [port]` (default 50051). Register it in the emulator's services config under "pricing" and the
 * Gateway dispatches to it.
 */
import { startPricingServer } from "./pricing-service.js";

const port = Number(process.argv[2] ?? 50051);
const server = await startPricingServer(port);
console.log(`Pricing listening on ${server.url} (gRPC, Connect, gRPC-Web; health and reflection)`);
const stop = (): void => {
  void server.close().then(() => process.exit(0));
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
