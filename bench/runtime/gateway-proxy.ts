/**
 * Item 2: a call through the Gateway (`Gateway.InvokeJson`: request to proto JSON, the
 * Gateway's own call to the backend, response parsed back) against the same call made directly
 * to the backend: `WorkManager.ListWorkers`, by the generated typed proxy
 * (`WorkManagerGatewayProxy`) and, for comparison, by dynamic dispatch
 * (`api.invoke("workmanager", "ListWorkers", {})`).
 */
import { WorkManagerClient, WorkManagerGatewayProxy } from "../../generated/virtufin/workmanager_client.js";
import { ApiClient } from "../../platform/index.js";
import { compareCalls } from "./compare-calls.js";
import type { BenchContext } from "./context.js";
import type { Row } from "./table.js";

const DIRECT = "direct `WorkManagerClient.listWorkers()`";

/** Measures item 2. */
export async function benchGatewayProxy(ctx: BenchContext): Promise<Row[]> {
  const { gateway, workmanager } = ctx.emulator.addresses;
  const direct = new WorkManagerClient({ host: workmanager.host, port: workmanager.port });
  // One ApiClient per route, so each measured path has its own HTTP/2 session like `direct`.
  const dynamicApi = new ApiClient({ host: gateway.host, port: gateway.port });
  const proxyApi = new ApiClient({ host: gateway.host, port: gateway.port });
  const proxy = new WorkManagerGatewayProxy(proxyApi);
  try {
    // Each route must return the same (empty: no worker was created) list.
    const lists = await Promise.all([
      direct.listWorkers(),
      proxy.listWorkers(),
      dynamicApi.invoke<{ workers?: unknown[] }>("workmanager", "ListWorkers", {}).then((r) => r.workers ?? []),
    ]);
    for (const list of lists) if (list.length !== 0) throw new Error(`ListWorkers answered ${JSON.stringify(list)}`);

    ctx.log("item 2: Gateway route vs direct (WorkManager.ListWorkers)");
    const [d, typed, dyn] = await compareCalls(ctx, [
      { label: "direct", call: () => direct.listWorkers() },
      { label: "typed proxy", call: () => proxy.listWorkers() },
      { label: "dynamic dispatch", call: () => dynamicApi.invoke("workmanager", "ListWorkers", {}) },
    ]);
    const n = ctx.settings.concurrency;
    const twice = { kind: "max", limit: 2 } as const;
    const half = { kind: "min", limit: 0.5 } as const;
    const routes = [
      // The goal is the typed proxy's; dynamic dispatch is shown for comparison only.
      { name: "typed proxy `WorkManagerGatewayProxy.listWorkers()`", figures: typed, judged: true },
      { name: 'dynamic dispatch `api.invoke("workmanager", "ListWorkers", {})`', figures: dyn, judged: false },
    ];
    const rows: Row[] = [];
    for (const { name, figures, judged } of routes) {
      rows.push(
        { label: `Gateway p50 latency, ${name}`, metric: figures!.p50, anchorLabel: DIRECT, anchor: d!.p50, ...(judged ? { goal: twice } : {}) },
        { label: `Gateway p99 latency, ${name}`, metric: figures!.p99, anchorLabel: DIRECT, anchor: d!.p99 },
        { label: `Gateway throughput, ${n} in flight, ${name}`, metric: figures!.rateN, anchorLabel: DIRECT, anchor: d!.rateN, ...(judged ? { goal: half } : {}) },
      );
    }
    return rows;
  } finally {
    await direct.close();
    await dynamicApi.close();
    await proxyApi.close();
  }
}
