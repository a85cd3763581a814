/**
 * Item 1: the generated direct client against a raw `@connectrpc/connect` client on the same
 * transport settings, for a cheap unary RPC served by the emulator's Gateway port
 * (`Gateway.ListServices`); and, for information, against raw Connect given the generated
 * client's default deadline.
 */
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { GatewayClient } from "../../generated/virtufin/gateway_client.js";
import { DEFAULT_TIMEOUT_MS } from "../../runtime/call-options.js";
import { Gateway } from "../../generated/virtufin/gateway_pb.js";
import { compareCalls, type CallFigures } from "./compare-calls.js";
import type { BenchContext } from "./context.js";
import type { Row } from "./table.js";

/** Rows of item 1, and the raw client's figures (the anchor of request-reply throughput). */
export interface UnaryResult {
  readonly rows: Row[];
  readonly raw: CallFigures;
}

const GENERATED = "generated `GatewayClient.listServices()`";
const RAW = "raw Connect `createClient(Gateway, …).listServices({})`";
const RAW_DEADLINE = "raw Connect with the same 30 s deadline, `listServices({}, { timeoutMs: 30_000 })`";

/** Measures item 1. */
export async function benchUnary(ctx: BenchContext): Promise<UnaryResult> {
  const { url, host, port } = ctx.emulator.addresses.gateway;
  // The raw client gets exactly what the generated client's Connection builds in Node: gRPC
  // over HTTP/2 (connect-node), default session settings, no interceptors. Each side has its
  // own transport, hence its own HTTP/2 session.
  const rawClient = createClient(Gateway, createGrpcTransport({ baseUrl: url }));
  const generated = new GatewayClient({ host, port });
  const expected = ctx.emulator.services.map((s) => s.name).join(",");
  // Both sides must get the real answer, or the benchmark measures nothing.
  const check = (names: readonly string[]): void => {
    if (names.join(",") !== expected) throw new Error(`ListServices answered [${names.join(",")}], expected [${expected}]`);
  };
  check((await rawClient.listServices({})).services);
  check(await generated.listServices());
  try {
    ctx.log("item 1: generated client vs raw Connect (Gateway.ListServices)");
    // The third variant gives raw Connect the deadline the generated client sends by default
    // (30 s, as the platform's clients do): it shows how much of a difference is that deadline.
    const [gen, raw, rawDeadline] = await compareCalls(ctx, [
      { label: "generated", call: () => generated.listServices() },
      { label: "raw", call: () => rawClient.listServices({}) },
      { label: "raw + 30 s deadline", call: () => rawClient.listServices({}, { timeoutMs: DEFAULT_TIMEOUT_MS }) },
    ]);
    const n = ctx.settings.concurrency;
    const within5 = { kind: "max", limit: 1.05 } as const;
    const rows: Row[] = [
      { label: `Unary p50 latency, ${GENERATED}`, metric: gen!.p50, anchorLabel: RAW, anchor: raw!.p50, goal: within5 },
      { label: `Unary p99 latency, ${GENERATED}`, metric: gen!.p99, anchorLabel: RAW, anchor: raw!.p99 },
      {
        label: `Unary throughput, ${n} in flight, ${GENERATED}`,
        metric: gen!.rateN,
        anchorLabel: RAW,
        anchor: raw!.rateN,
        goal: { kind: "min", limit: 0.95 },
      },
      { label: `Unary p50 latency, ${GENERATED}`, metric: gen!.p50, anchorLabel: RAW_DEADLINE, anchor: rawDeadline!.p50 },
      {
        label: `Unary throughput, ${n} in flight, ${GENERATED}`,
        metric: gen!.rateN,
        anchorLabel: RAW_DEADLINE,
        anchor: rawDeadline!.rateN,
      },
    ];
    return { rows, raw: raw! };
  } finally {
    await generated.close();
  }
}
