/**
 * Item 2: a call through the Gateway (`Gateway.InvokeJson`: request to proto JSON, the
 * Gateway's own call to the backend, response parsed back) against the same call made directly
 * to the backend: `WorkManager.ListWorkers`, by the generated typed proxy
 * (`WorkManagerGatewayProxy`). Dynamic dispatch (`api.invoke`) takes the same route with the same
 * JSON, so it is not measured separately.
 */
import { WorkManagerClient, WorkManagerGatewayProxy } from "../../generated/virtufin/workmanager_client.js";
import { ApiClient } from "../../platform/api-client.js";
import { compareCalls } from "./compare-calls.js";
import type { BenchContext } from "./context.js";
import type { Row } from "./table.js";

const DIRECT = "direct `WorkManagerClient.listWorkers()`";

/** Measures item 2. */
export async function benchGatewayProxy(ctx: BenchContext): Promise<Row[]> {
  const { gateway, workmanager } = ctx.emulator.addresses;
  const direct = new WorkManagerClient({ host: workmanager.host, port: workmanager.port });
  // Its own ApiClient, so the proxy has its own HTTP/2 session like `direct`.
  const proxyApi = new ApiClient({ host: gateway.host, port: gateway.port });
  const proxy = new WorkManagerGatewayProxy(proxyApi);
  try {
    // Both routes must return the same (empty: no worker was created) list.
    for (const list of [await direct.listWorkers(), await proxy.listWorkers()]) {
      if (list.length !== 0) throw new Error(`ListWorkers answered ${JSON.stringify(list)}`);
    }
    ctx.log("item 2: typed gateway proxy vs direct (WorkManager.ListWorkers)");
    const [d, typed] = await compareCalls(ctx, [
      { label: "direct", call: () => direct.listWorkers() },
      { label: "typed proxy", call: () => proxy.listWorkers() },
    ]);
    const n = ctx.settings.concurrency;
    const name = "typed proxy `WorkManagerGatewayProxy.listWorkers()`";
    return [
      {
        label: `Gateway p50 latency, ${name}`,
        metric: typed!.p50,
        anchorLabel: DIRECT,
        anchor: d!.p50,
        goal: { kind: "max", limit: 2 },
      },
      { label: `Gateway p99 latency, ${name}`, metric: typed!.p99, anchorLabel: DIRECT, anchor: d!.p99 },
      {
        label: `Gateway throughput, ${n} in flight, ${name}`,
        metric: typed!.rateN,
        anchorLabel: DIRECT,
        anchor: d!.rateN,
        goal: { kind: "min", limit: 0.5 },
      },
    ];
  } finally {
    await direct.close();
    await proxyApi.close();
  }
}
