/**
 * Out of process, server streaming: events per second from a server process to one
 * `for await` loop — the generated `PubsubClient.subscribe`, the platform's
 * `api.pubsub.subscribeReady` (emulator only: it publishes a readiness probe), raw Connect,
 * `@grpc/grpc-js` and `nice-grpc`. The goal compares the generated client with grpc-js.
 */
import { ApiClient } from "../../../platform/api-client.js";
import { interleaved, type BenchContext } from "../context.js";
import { metric, type Row } from "../table.js";
import { connectClient, generatedClient, generatedHttp2Client, grpcJsClient, niceGrpcClient } from "./anchor-clients.js";
import { measureRemoteEvents, type OpenStream } from "./remote-events.js";
import type { ServerProcess } from "./server-process-handle.js";

const UNIT = "events/s";

/** Measures event delivery from `server`; `withSubscriber` adds `api.pubsub.subscribeReady`. */
export async function benchRemoteStream(
  ctx: Pick<BenchContext, "settings" | "log">,
  server: ServerProcess,
  serverLabel: string,
  withSubscriber: boolean,
): Promise<Row[]> {
  const { gateway } = server.ready;
  const clients = [
    generatedClient(gateway),
    grpcJsClient(gateway),
    generatedHttp2Client(gateway),
    connectClient(gateway.url),
    niceGrpcClient(gateway),
  ];
  const api = withSubscriber ? new ApiClient({ host: gateway.host, port: gateway.port }) : undefined;
  const variants: { label: string; open: OpenStream }[] = clients.map((c) => ({
    label: c.label,
    open: async (topic, signal) => c.subscribe(topic, signal),
  }));
  if (api)
    variants.push({
      label: "`api.pubsub.subscribeReady(topic)`",
      open: (topic, signal) => api.pubsub.subscribeReady(topic, { signal }),
    });
  try {
    ctx.log(`out of process, server stream from the ${serverLabel}`);
    // One discarded run each first (JIT, connection), as the unary variants get warm-up calls.
    const warm = { ...ctx.settings, events: Math.min(ctx.settings.events, 2_000) };
    for (const v of variants) await measureRemoteEvents(server, warm, v.open);
    const results = await interleaved(variants.length, ctx.settings.rounds, async (i, round) => {
      const r = await measureRemoteEvents(server, ctx.settings, variants[i]!.open);
      ctx.log(`  round ${round + 1} · ${variants[i]!.label}: ${Math.round(r.perSecond)} ${UNIT}`);
      return r;
    });
    const m = results.map((rs) =>
      metric(
        UNIT,
        rs.map((r) => r.perSecond),
        rs.map((r) => r.cpuUsPerOp),
      ),
    );
    const anchorLabel = variants[1]!.label;
    const at = `(${serverLabel})`;
    return variants.flatMap((v, i) =>
      i === 1
        ? []
        : [
            {
              label: `Events/s to \`for await\`, ${v.label} ${at}`,
              metric: m[i]!,
              anchorLabel,
              anchor: m[1]!,
              ...(i === 0 || i === 2 ? { goal: { kind: "min", limit: 1 } as const } : {}),
            },
          ],
    );
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await api?.close();
  }
}
