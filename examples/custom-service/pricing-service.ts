/**
 * The Pricing implementation and a small Connect server for it, with gRPC health and server
 * reflection (the Virtufin Gateway discovers a backend's methods through reflection before it
 * dispatches `InvokeJson` to it).
 */
import { ConnectError, Code, type ServiceImpl } from "@connectrpc/connect";
import { startGrpcServer, type RunningServer } from "@virtufin/emulator";
import { file_acme_pricing_v1_pricing, Pricing } from "./gen/acme/pricing/v1/pricing_pb.js";
import { file_virtufin_options } from "./gen/virtufin/options_pb.js";

/** Unit prices the example quotes. */
export const PRICES: Readonly<Record<string, number>> = { BTCUSDT: 50_000, ETHUSDT: 2_500, SOLUSDT: 150 };

/** The Pricing service: quotes from {@link PRICES}. */
export const pricingImpl: ServiceImpl<typeof Pricing> = {
  quote(request) {
    const unitPrice = PRICES[request.symbol];
    if (unitPrice === undefined) throw new ConnectError(`unknown symbol "${request.symbol}"`, Code.NotFound);
    if (!(request.quantity > 0))
      throw new ConnectError(`quantity must be positive, got ${request.quantity}`, Code.InvalidArgument);
    return { symbol: request.symbol, unitPrice, total: unitPrice * request.quantity };
  },
  listInstruments() {
    return { symbols: Object.keys(PRICES).sort() };
  },
};

/** Serves Pricing (with health and reflection) on `port` of 127.0.0.1; 0 picks a free port. */
export function startPricingServer(port = 0): Promise<RunningServer> {
  return startGrpcServer({
    name: "pricing",
    port,
    services: [{ desc: Pricing, impl: pricingImpl }],
    // Reflection answers with the file and the option file it imports.
    files: [file_acme_pricing_v1_pricing, file_virtufin_options],
  });
}
