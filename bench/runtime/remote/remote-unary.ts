/**
 * Out of process, unary: the generated client against raw Connect, `@grpc/grpc-js` and
 * `nice-grpc`, all calling `Gateway.ListServices` on a server in another process. The goal
 * compares with grpc-js, what a Node user would otherwise pick.
 */
import { compareCalls } from "../compare-calls.js";
import type { BenchContext } from "../context.js";
import type { Row } from "../table.js";
import {
  connectClient,
  generatedClient,
  generatedHttp2Client,
  grpcJsClient,
  niceGrpcClient,
  type AnchorClient,
} from "./anchor-clients.js";
import type { ServerProcess } from "./server-process-handle.js";

/** Measures unary calls to `server` (named `serverLabel` in the rows). */
export async function benchRemoteUnary(
  ctx: Pick<BenchContext, "settings" | "log">,
  server: ServerProcess,
  serverLabel: string,
): Promise<Row[]> {
  const { gateway, services } = server.ready;
  const clients: AnchorClient[] = [
    generatedClient(gateway),
    connectClient(gateway.url),
    grpcJsClient(gateway),
    niceGrpcClient(gateway),
    generatedHttp2Client(gateway),
  ];
  try {
    const expected = services.join(",");
    for (const client of clients) {
      const names = (await client.listServices()).join(",");
      if (names !== expected) throw new Error(`${client.label}: ListServices answered [${names}], expected [${expected}]`);
    }
    ctx.log(`out of process, unary against the ${serverLabel}`);
    const [gen, raw, grpcJs, nice, http2] = await compareCalls(
      ctx,
      clients.map((c) => ({ label: c.label, call: () => c.listServices() })),
    );
    const n = ctx.settings.concurrency;
    const anchor = `${clients[2]!.label}`;
    const at = `(${serverLabel})`;
    return [
      {
        label: `Unary p50, ${clients[0]!.label} ${at}`,
        metric: gen!.p50,
        anchorLabel: anchor,
        anchor: grpcJs!.p50,
        goal: { kind: "max", limit: 1 },
      },
      { label: `Unary p99, ${clients[0]!.label} ${at}`, metric: gen!.p99, anchorLabel: anchor, anchor: grpcJs!.p99 },
      {
        label: `Unary throughput, ${n} in flight, ${clients[0]!.label} ${at}`,
        metric: gen!.rateN,
        anchorLabel: anchor,
        anchor: grpcJs!.rateN,
        goal: { kind: "min", limit: 1 },
      },
      {
        label: `Unary p50, ${clients[4]!.label} ${at}`,
        metric: http2!.p50,
        anchorLabel: anchor,
        anchor: grpcJs!.p50,
        goal: { kind: "max", limit: 1 },
      },
      {
        label: `Unary throughput, ${n} in flight, ${clients[4]!.label} ${at}`,
        metric: http2!.rateN,
        anchorLabel: anchor,
        anchor: grpcJs!.rateN,
        goal: { kind: "min", limit: 1 },
      },
      { label: `Unary p50, ${clients[1]!.label} ${at}`, metric: raw!.p50, anchorLabel: anchor, anchor: grpcJs!.p50 },
      {
        label: `Unary throughput, ${n} in flight, ${clients[1]!.label} ${at}`,
        metric: raw!.rateN,
        anchorLabel: anchor,
        anchor: grpcJs!.rateN,
      },
      { label: `Unary p50, ${clients[3]!.label} ${at}`, metric: nice!.p50, anchorLabel: anchor, anchor: grpcJs!.p50 },
      {
        label: `Unary throughput, ${n} in flight, ${clients[3]!.label} ${at}`,
        metric: nice!.rateN,
        anchorLabel: anchor,
        anchor: grpcJs!.rateN,
      },
    ];
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}
