/**
 * The server side of the out-of-process benchmark, run as its own Node process by
 * {@link startServerProcess}: `emulator` (the whole emulator, of which the client uses the
 * Gateway and WorkManager servers) or `grpc-js` (the plain grpc-js reference server). It binds
 * loopback only, reports its addresses over IPC, answers the client's requests, and exits when
 * asked to or when its parent goes away (so no server outlives a benchmark run).
 */
import { startEmulator } from "../../../emulator/index.js";
import { serveTimeWorker } from "../../../examples/custom-service/gen/acme/pricing/v1/pricing_client.js";
import { ApiClient } from "../../../platform/api-client.js";
import { Responder } from "../../../platform/pubsub/runners.js";
import { startGrpcJsServer } from "./grpc-js-server.js";
import { EVENT_METADATA, eventData, type ReadyMessage, type Reply, type Request } from "./protocol.js";

interface Served {
  readonly ready: ReadyMessage;
  publish(topic: string, from: number, count: number): Promise<void>;
  subscriptions(): number;
  stop(): Promise<void>;
}

async function serveEmulator(): Promise<Served> {
  const emulator = await startEmulator({ ports: 0, logLevel: "warn" });
  const { gateway, workmanager } = emulator.addresses;
  return {
    ready: { type: "ready", gateway, workmanager, services: emulator.services.map((s) => s.name) },
    async publish(topic, from, count) {
      // Straight into the pub/sub backend, as the in-process benchmark does: no publish RPC
      // competes with the stream being measured.
      for (let i = from; i < from + count; i++)
        await emulator.pubsub.publish(topic, eventData(i), { ...EVENT_METADATA, correlationid: `c-${i}` });
    },
    subscriptions: () => emulator.activeSubscriptions(),
    stop: () => emulator.stop(),
  };
}

async function serveGrpcJs(): Promise<Served> {
  // The emulator's own answer, so that every client checks the same list on both servers.
  const server = await startGrpcJsServer(["workmanager", "websocketmanager"]);
  const gateway = { url: `http://127.0.0.1:${server.port}`, host: "127.0.0.1", port: server.port };
  return {
    ready: { type: "ready", gateway, services: ["workmanager", "websocketmanager"] },
    publish: async (topic, from, count) => server.publish(topic, from, count),
    subscriptions: () => server.subscriptions(),
    stop: () => server.close(),
  };
}

/**
 * The responders of the request-reply benchmark, in a process of their own as a deployment would
 * have them: `new Responder(api, topic)` echoing `{ echo: i }`, and the generated `serveTimeWorker`.
 */
async function serveResponders(host: string, port: number, topic: string): Promise<Served> {
  const api = new ApiClient({ host, port });
  const typedApi = new ApiClient({ host, port });
  const responder = new Responder(api, topic, (request) => ({ echo: request.dataAsJson<{ i: number }>().i }));
  const typed = serveTimeWorker(typedApi, {
    getTime: () => ({ iso: "1970-01-01T00:00:00Z", zone: "UTC" }),
    elapsed: (request) => ({ seconds: request.toUnixSeconds - request.fromUnixSeconds }),
  });
  await responder.startup();
  await typed.startup();
  return {
    ready: { type: "ready", gateway: { url: `http://${host}:${port}`, host, port }, services: [] },
    publish: async () => undefined,
    subscriptions: () => 0,
    async stop() {
      await responder.shutdown();
      await typed.shutdown();
      await api.close();
      await typedApi.close();
    },
  };
}

async function main(): Promise<void> {
  const kind = process.argv[2];
  if (!process.send) throw new Error("server-process.ts must be started with an IPC channel (startServerProcess)");
  const [host, port, topic] = process.argv.slice(3);
  const served =
    kind === "emulator"
      ? await serveEmulator()
      : kind === "grpc-js"
        ? await serveGrpcJs()
        : kind === "responder" && host && port && topic
          ? await serveResponders(host, Number(port), topic)
          : undefined;
  if (!served) throw new Error(`unknown server kind "${kind}" (emulator | grpc-js | responder <host> <port> <topic>)`);
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await served.stop();
    if (process.connected) process.disconnect();
  };
  process.on("disconnect", () => void stop().finally(() => process.exit(0)));
  process.on("message", (request: Request) => {
    const answer = (reply: Omit<Reply, "id">): void => void process.send?.({ id: request.id, ...reply });
    const run = async (): Promise<number | undefined> => {
      switch (request.op) {
        case "publish":
          await served.publish(request.topic, request.from, request.count);
          return undefined;
        case "subscriptions":
          return served.subscriptions();
        case "cpu": {
          const cpu = process.cpuUsage();
          return cpu.user + cpu.system;
        }
        case "stop":
          // Answered once the servers are closed; the exit follows the disconnect.
          await served.stop();
          setImmediate(() => void stop().finally(() => process.exit(0)));
          return undefined;
      }
    };
    run().then(
      (result) => answer(result === undefined ? {} : { result }),
      (error: unknown) => answer({ error: error instanceof Error ? error.message : String(error) }),
    );
  });
  process.send(served.ready);
}

main().catch((error: unknown) => {
  process.stderr.write(`server process failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
