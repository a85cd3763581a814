/**
 * Item 2: a call through the Gateway (`Gateway.InvokeJson`: request to proto JSON, the
 * Gateway's own call to the backend, response parsed back) against the same call made directly
 * to the backend: `WorkManager.ListWorkers`.
 *
 * The typed proxy (`WorkManagerGatewayProxy`, generated into `workmanager_client.ts`) is
 * measured when the generated file exports it; dynamic dispatch (`api.invoke("workmanager",
 * "ListWorkers", {})`) is always measured, labelled as such.
 */
import * as workmanagerModule from "../../generated/virtufin/workmanager_client.js";
import { WorkManagerClient } from "../../generated/virtufin/workmanager_client.js";
import { ApiClient } from "../../platform/index.js";
import { compareCalls, type CallVariant } from "./compare-calls.js";
import type { BenchContext } from "./context.js";
import type { Row } from "./table.js";

/** The part of the generated proxy the benchmark calls. */
interface ListWorkersProxy {
  listWorkers(): Promise<unknown[]>;
}

/** The generated typed proxy's constructor, or undefined while the generated file has none. */
function typedProxyClass(): (new (api: ApiClient) => ListWorkersProxy) | undefined {
  const ctor = (workmanagerModule as Record<string, unknown>)["WorkManagerGatewayProxy"];
  return typeof ctor === "function" ? (ctor as new (api: ApiClient) => ListWorkersProxy) : undefined;
}

const DIRECT = "direct `WorkManagerClient.listWorkers()`";

/** Measures item 2. */
export async function benchGatewayProxy(ctx: BenchContext): Promise<Row[]> {
  const { gateway, workmanager } = ctx.emulator.addresses;
  const direct = new WorkManagerClient({ host: workmanager.host, port: workmanager.port });
  // One ApiClient per route, so each measured path has its own HTTP/2 session like `direct`.
  const dynamicApi = new ApiClient({ host: gateway.host, port: gateway.port });
  const ProxyClass = typedProxyClass();
  const proxyApi = ProxyClass ? new ApiClient({ host: gateway.host, port: gateway.port }) : undefined;
  const proxy = ProxyClass && proxyApi ? new ProxyClass(proxyApi) : undefined;
  try {
    // Each route must return the same (empty: no worker was created) list.
    const checks = [direct.listWorkers(), dynamicApi.invoke<{ workers?: unknown[] }>("workmanager", "ListWorkers", {}).then((r) => r.workers ?? [])];
    if (proxy) checks.push(proxy.listWorkers());
    for (const list of await Promise.all(checks)) if (!Array.isArray(list) || list.length !== 0) throw new Error(`ListWorkers answered ${JSON.stringify(list)}`);

    const variants: CallVariant[] = [
      { label: "direct", call: () => direct.listWorkers() },
      { label: "dynamic dispatch", call: () => dynamicApi.invoke("workmanager", "ListWorkers", {}) },
    ];
    if (proxy) variants.push({ label: "typed proxy", call: () => proxy.listWorkers() });
    ctx.log(`item 2: Gateway route vs direct (WorkManager.ListWorkers)${proxy ? "" : " — typed proxy not generated yet"}`);
    const [d, dyn, typed] = await compareCalls(ctx, variants);
    const n = ctx.settings.concurrency;
    const twice = { kind: "max", limit: 2 } as const;
    const half = { kind: "min", limit: 0.5 } as const;
    const routes = [
      { name: "typed proxy `WorkManagerGatewayProxy.listWorkers()`", figures: typed },
      { name: 'dynamic dispatch `api.invoke("workmanager", "ListWorkers", {})`', figures: dyn },
    ];
    const rows: Row[] = [];
    for (const { name, figures } of routes) {
      const missing = "missing: `WorkManagerGatewayProxy` is not in `generated/virtufin/workmanager_client.ts`";
      rows.push(
        { label: `Gateway p50 latency, ${name}`, metric: figures?.p50 ?? missing, anchorLabel: DIRECT, anchor: d!.p50, goal: twice },
        { label: `Gateway p99 latency, ${name}`, metric: figures?.p99 ?? missing, anchorLabel: DIRECT, anchor: d!.p99 },
        { label: `Gateway throughput, ${n} in flight, ${name}`, metric: figures?.rateN ?? missing, anchorLabel: DIRECT, anchor: d!.rateN, goal: half },
      );
    }
    return rows;
  } finally {
    await direct.close();
    await dynamicApi.close();
    await proxyApi?.close();
  }
}
