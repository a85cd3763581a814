/**
 * Item 3: request-reply round trips over pub/sub — `api.pubsub.publishWithResult` answered by
 * a TypeScript responder (`new Responder(api, topic, handler)`), and the generated typed request-reply proxy of
 * the custom-service example answered by its generated responder — at 1 and N in flight. The anchor is raw Connect unary throughput, the call
 * of item 1, measured again here alongside (same rounds, alternating) so that a change in how
 * busy the machine is between items cannot masquerade as a difference.
 */
import { randomUUID } from "node:crypto";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Gateway } from "../../generated/virtufin/gateway_pb.js";
import { ApiClient } from "../../platform/api-client.js";
import { Responder } from "../../platform/pubsub/runners.js";
import { compareCalls } from "./compare-calls.js";
import type { BenchContext } from "./context.js";
import type { Metric, Row } from "./table.js";
import { startTypedRequestReply, type TypedRequestReply } from "./typed-request-reply.js";

const UNIT = "round trips/s";
const RAW = "raw Connect unary `listServices({})` (item 1's call, measured alongside)";

/** Measures item 3. */
export async function benchRequestReply(ctx: BenchContext): Promise<Row[]> {
  const { host, port, url } = ctx.emulator.addresses.gateway;
  const rawClient = createClient(Gateway, createGrpcTransport({ baseUrl: url }));
  const n = ctx.settings.concurrency;
  // Requester and responder each have their own client and HTTP/2 session, as two processes
  // would; both run in this process, next to the emulator.
  const requester = new ApiClient({ host, port });
  const responderApi = new ApiClient({ host, port });
  const topic = `bench-rr-${randomUUID()}`;
  const replyTopic = `${topic}-replies`;
  // Default responder options (64 requests handled at once), as the generated responders use.
  const responder = new Responder(responderApi, topic, (request) => ({ echo: request.dataAsJson<{ i: number }>().i }));
  let typed: TypedRequestReply | undefined;
  try {
    await responder.startup();
    const untyped = async (i: number): Promise<void> => {
      const reply = await requester.pubsub.publishWithResult({ topic, replyTopic, data: { i }, timeoutMs: 10_000 });
      // Every reply must be the answer to its own request.
      if (reply.dataAsJson<{ echo: number }>().echo !== i)
        throw new Error(`reply ${reply.dataAsText()} does not answer request ${i}`);
    };
    await untyped(-1);
    typed = await startTypedRequestReply({ host, port });
    await typed.call(-1);
    ctx.log("item 3: request-reply round trips");
    const [raw, pwr, gen] = await compareCalls(
      ctx,
      [
        { label: "raw unary", call: () => rawClient.listServices({}) },
        { label: "publishWithResult", call: untyped },
        { label: "typed request-reply", call: typed.call },
      ],
      { unit: UNIT },
    );
    const half = { kind: "min", limit: 0.5 } as const;
    const rows: Row[] = [];
    const routes = [
      { name: "`publishWithResult` + TS responder", figures: pwr! },
      { name: typed.label, figures: gen! },
    ];
    for (const { name, figures } of routes) {
      rows.push(
        { label: `Request-reply, 1 in flight, ${name}`, metric: figures.rate1, anchorLabel: RAW, anchor: asCalls(raw!.rate1) },
        { label: `Request-reply p50 latency, 1 in flight, ${name}`, metric: figures.p50, anchorLabel: RAW, anchor: raw!.p50 },
        {
          label: `Request-reply, ${n} in flight, ${name}`,
          metric: figures.rateN,
          anchorLabel: RAW,
          anchor: asCalls(raw!.rateN),
          goal: half,
        },
      );
    }
    return rows;
  } finally {
    await typed?.close();
    await responder.shutdown();
    await requester.close();
    await responderApi.close();
  }
}

/** The raw anchor counts calls, not round trips. */
const asCalls = (m: Metric): Metric => ({ ...m, unit: "calls/s" });
