/**
 * A profiling load for `node --cpu-prof`: one client keeps N unary calls in flight (or reads a
 * server stream) against a server process for a fixed time, so that the client's profile holds
 * nothing but that load. With `--server-prof DIR` the server process is profiled too.
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/runtime/remote/profile.ts \
 *     --server emulator --client generated --load unary --seconds 8 [--server-prof /tmp/prof]
 *
 * `--load proxy` (or `direct`) makes the typed gateway proxy's `WorkManagerGatewayProxy.listWorkers()`
 * calls (or the direct `WorkManagerClient.listWorkers()`) against the emulator process instead;
 * `--load request-reply` (or `typed-request-reply`) makes `api.pubsub.publishWithResult` round trips
 * (or generated `TimeWorkerPubsubProxy.elapsed()` ones) answered by the responders of
 * `server-process.ts` in a third process (profiled too with `--server-prof`);
 * `--concurrency 1` profiles the latency case.
 *
 * Then `npx tsx bench/runtime/remote/profile-summary.ts /tmp/prof/<file>.cpuprofile`.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import {
  connectClient,
  generatedClient,
  generatedHttp2Client,
  grpcJsClient,
  niceGrpcClient,
  type AnchorClient,
} from "./anchor-clients.js";
import { TimeWorkerPubsubProxy } from "../../../examples/custom-service/gen/acme/pricing/v1/pricing_client.js";
import { WorkManagerClient, WorkManagerGatewayProxy } from "../../../generated/virtufin/workmanager_client.js";
import { ApiClient } from "../../../platform/api-client.js";
import { measureRemoteEvents } from "./remote-events.js";
import { startServerProcess } from "./server-process-handle.js";
import { FULL } from "../context.js";

const { values } = parseArgs({
  options: {
    server: { type: "string", default: "emulator" },
    client: { type: "string", default: "generated" },
    load: { type: "string", default: "unary" },
    seconds: { type: "string", default: "8" },
    concurrency: { type: "string", default: "64" },
    "server-prof": { type: "string" },
  },
  strict: true,
});

async function main(): Promise<void> {
  const kind = values.server === "grpc-js" ? "grpc-js" : "emulator";
  const serverFlags = values["server-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${values["server-prof"]}`] : [];
  const server = await startServerProcess(kind, { nodeFlags: serverFlags });
  const { gateway } = server.ready;
  const makers: Record<string, () => AnchorClient> = {
    generated: () => generatedClient(gateway),
    http2: () => generatedHttp2Client(gateway),
    connect: () => connectClient(gateway.url),
    "grpc-js": () => grpcJsClient(gateway),
    "nice-grpc": () => niceGrpcClient(gateway),
  };
  const { workmanager } = server.ready;
  let responders: Awaited<ReturnType<typeof startServerProcess>> | undefined;
  if (values.load === "request-reply" || values.load === "typed-request-reply") {
    if (kind !== "emulator") throw new Error("--load request-reply needs --server emulator");
    const topic = `profile-rr-${randomUUID()}`;
    responders = await startServerProcess("responder", {
      nodeFlags: serverFlags,
      args: [gateway.host, String(gateway.port), topic],
    });
    const api = new ApiClient({ host: gateway.host, port: gateway.port });
    const typed = new TimeWorkerPubsubProxy(api);
    let i = 0;
    makers[values.load] = () => ({
      label: values.load,
      listServices: async () => {
        const n = i++;
        if (values.load === "typed-request-reply") {
          const seconds = await typed.elapsed({ fromUnixSeconds: 0n, toUnixSeconds: BigInt(n) }, { timeoutMs: 10_000 });
          if (seconds !== BigInt(n)) throw new Error(`Elapsed answered ${seconds} to request ${n}`);
        } else {
          const reply = await api.pubsub.publishWithResult({
            topic,
            replyTopic: `${topic}-replies`,
            data: { i: n },
            timeoutMs: 10_000,
          });
          if (reply.dataAsJson<{ echo: number }>().echo !== n)
            throw new Error(`reply ${reply.dataAsText()} does not answer ${n}`);
        }
        return [];
      },
      subscribe: () => {
        throw new Error("no stream on this client");
      },
      close: () => api.close(),
    });
    values.client = values.load;
  }
  if (values.load === "proxy" || values.load === "direct") {
    if (!workmanager) throw new Error("--load proxy/direct needs --server emulator");
    const api = new ApiClient({ host: gateway.host, port: gateway.port });
    const proxy = new WorkManagerGatewayProxy(api);
    const direct = new WorkManagerClient({ host: workmanager.host, port: workmanager.port });
    makers[values.load] = () => ({
      label: values.load,
      listServices: async () => {
        await (values.load === "proxy" ? proxy : direct).listWorkers();
        return [];
      },
      subscribe: () => {
        throw new Error("no stream on this client");
      },
      close: async () => {
        await api.close();
        await direct.close();
      },
    });
    values.client = values.load;
  }
  const client = makers[values.client]?.();
  if (!client) throw new Error(`unknown --client ${values.client}`);
  const seconds = Number(values.seconds);
  try {
    if (values.load === "stream") {
      const stopAt = performance.now() + seconds * 1000;
      let events = 0;
      const t0 = performance.now();
      while (performance.now() < stopAt) {
        const r = await measureRemoteEvents(server, FULL, async (topic, signal) => client.subscribe(topic, signal));
        events += r.received;
      }
      process.stderr.write(`${client.label}: ${Math.round((events / (performance.now() - t0)) * 1000)} events/s\n`);
    } else {
      const stopAt = performance.now() + seconds * 1000;
      let done = 0;
      const t0 = performance.now();
      const lane = async (): Promise<void> => {
        while (performance.now() < stopAt) {
          await client.listServices();
          done++;
        }
      };
      await Promise.all(Array.from({ length: Number(values.concurrency) }, lane));
      process.stderr.write(`${client.label}: ${Math.round((done / (performance.now() - t0)) * 1000)} calls/s\n`);
    }
  } finally {
    await client.close();
    await responders?.stop();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
