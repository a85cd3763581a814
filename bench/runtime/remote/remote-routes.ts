/**
 * Out of process, the platform's routes with the emulator in its own process: the typed gateway
 * proxy against a direct call (`WorkManager.ListWorkers`), and request-reply round trips
 * (requester here, responders in a third process) against raw Connect unary.
 */
import { randomUUID } from "node:crypto";
import { TimeWorkerPubsubProxy } from "../../../examples/custom-service/gen/acme/pricing/v1/pricing_client.js";
import { WorkManagerClient, WorkManagerGatewayProxy } from "../../../generated/virtufin/workmanager_client.js";
import { ApiClient } from "../../../platform/api-client.js";
import { compareCalls } from "../compare-calls.js";
import type { BenchContext } from "../context.js";
import type { Metric, Row } from "../table.js";
import { connectClient } from "./anchor-clients.js";
import { startServerProcess, type ServerProcess } from "./server-process-handle.js";

const AT = "(emulator process)";

/** Typed gateway proxy vs direct WorkManager call. */
export async function benchRemoteProxy(ctx: Pick<BenchContext, "settings" | "log">, emulator: ServerProcess): Promise<Row[]> {
  const { gateway, workmanager } = emulator.ready;
  if (!workmanager) throw new Error("the emulator process reported no WorkManager address");
  const direct = new WorkManagerClient({ host: workmanager.host, port: workmanager.port });
  const api = new ApiClient({ host: gateway.host, port: gateway.port });
  const proxy = new WorkManagerGatewayProxy(api);
  try {
    for (const list of [await direct.listWorkers(), await proxy.listWorkers()]) {
      if (list.length !== 0) throw new Error(`ListWorkers answered ${JSON.stringify(list)}`);
    }
    ctx.log("out of process, typed gateway proxy vs direct");
    const [d, typed] = await compareCalls(ctx, [
      { label: "direct", call: () => direct.listWorkers() },
      { label: "typed proxy", call: () => proxy.listWorkers() },
    ]);
    const name = `typed proxy \`WorkManagerGatewayProxy.listWorkers()\` ${AT}`;
    const anchor = "direct `WorkManagerClient.listWorkers()`";
    return [
      { label: `Gateway p50, ${name}`, metric: typed!.p50, anchorLabel: anchor, anchor: d!.p50, goal: { kind: "max", limit: 2 } },
      {
        label: `Gateway throughput, ${ctx.settings.concurrency} in flight, ${name}`,
        metric: typed!.rateN,
        anchorLabel: anchor,
        anchor: d!.rateN,
        goal: { kind: "min", limit: 0.5 },
      },
    ];
  } finally {
    await direct.close();
    await api.close();
  }
}

/** Request-reply round trips, responders in their own process, against raw Connect unary. */
export async function benchRemoteRequestReply(
  ctx: Pick<BenchContext, "settings" | "log">,
  emulator: ServerProcess,
): Promise<Row[]> {
  const { gateway, services } = emulator.ready;
  const topic = `bench-rr-${randomUUID()}`;
  const responders = await startServerProcess("responder", { args: [gateway.host, String(gateway.port), topic] });
  const raw = connectClient(gateway.url);
  const requester = new ApiClient({ host: gateway.host, port: gateway.port });
  const typedApi = new ApiClient({ host: gateway.host, port: gateway.port });
  const typed = new TimeWorkerPubsubProxy(typedApi);
  try {
    const untyped = async (i: number): Promise<void> => {
      const reply = await requester.pubsub.publishWithResult({
        topic,
        replyTopic: `${topic}-replies`,
        data: { i },
        timeoutMs: 10_000,
      });
      if (reply.dataAsJson<{ echo: number }>().echo !== i)
        throw new Error(`reply ${reply.dataAsText()} does not answer request ${i}`);
    };
    const elapsed = async (i: number): Promise<void> => {
      const seconds = await typed.elapsed({ fromUnixSeconds: 0n, toUnixSeconds: BigInt(i) }, { timeoutMs: 10_000 });
      if (seconds !== BigInt(i)) throw new Error(`Elapsed answered ${seconds} to request ${i}`);
    };
    if ((await raw.listServices()).join(",") !== services.join(",")) throw new Error("ListServices answered a different list");
    await untyped(-1);
    await elapsed(-1);
    ctx.log("out of process, request-reply (responders in a third process)");
    const [r, pwr, gen] = await compareCalls(
      ctx,
      [
        { label: "raw unary", call: () => raw.listServices() },
        { label: "publishWithResult", call: untyped },
        { label: "typed request-reply", call: elapsed },
      ],
      { unit: "round trips/s" },
    );
    const anchor = "raw Connect unary `listServices({})`, measured alongside";
    const asCalls = (m: Metric): Metric => ({ ...m, unit: "calls/s" });
    const n = ctx.settings.concurrency;
    return [
      {
        label: `Request-reply p50, 1 in flight, \`publishWithResult\` ${AT}`,
        metric: pwr!.p50,
        anchorLabel: anchor,
        anchor: r!.p50,
      },
      {
        label: `Request-reply, ${n} in flight, \`publishWithResult\` ${AT}`,
        metric: pwr!.rateN,
        anchorLabel: anchor,
        anchor: asCalls(r!.rateN),
        goal: { kind: "min", limit: 0.5 },
      },
      {
        label: `Request-reply, ${n} in flight, generated \`TimeWorkerPubsubProxy.elapsed()\` ${AT}`,
        metric: gen!.rateN,
        anchorLabel: anchor,
        anchor: asCalls(r!.rateN),
        goal: { kind: "min", limit: 0.5 },
      },
    ];
  } finally {
    await raw.close();
    await requester.close();
    await typedApi.close();
    await responders.stop();
  }
}
