/**
 * A diagnostic beside items 1 and 2: the same calls over an in-memory Connect transport
 * (`createRouterTransport`), where no HTTP/2 and no emulator work dilute the cost of the
 * client itself. It shows what the generated client and the typed proxy add per call on the
 * client side, and how much of the generated client's extra cost is its default deadline (a
 * raw client given the same 30 s deadline is the third variant).
 */
import { createClient, createRouterTransport } from "@connectrpc/connect";
import { GatewayClient } from "../../generated/virtufin/gateway_client.js";
import { Gateway } from "../../generated/virtufin/gateway_pb.js";
import { WorkManagerClient, WorkManagerGatewayProxy } from "../../generated/virtufin/workmanager_client.js";
import { WorkManager } from "../../generated/virtufin/workmanager_pb.js";
import { ApiClient } from "../../platform/api-client.js";
import { DEFAULT_TIMEOUT_MS } from "../../runtime/call-options.js";
import { Connection } from "../../runtime/connection.js";
import { compareCalls } from "./compare-calls.js";
import type { BenchContext } from "./context.js";
import type { Row } from "./table.js";

/** In-memory servers answering as the emulator does when no worker exists. */
function memoryTransport() {
  return createRouterTransport(({ service }) => {
    service(Gateway, {
      listServices: () => ({ services: ["workmanager", "websocketmanager"] }),
      invokeJson: (req) =>
        req.service === "workmanager" && req.method === "ListWorkers"
          ? { success: true, responseData: "{}" }
          : { success: false, status: "UNIMPLEMENTED", message: `${req.service}.${req.method}` },
    });
    service(WorkManager, { listWorkers: () => ({ workers: [] }) });
  });
}

const MEMORY = "(in-memory transport)";

/** Measures the client-side diagnostic rows (no goals: the goals are end to end). */
export async function benchClientSide(ctx: BenchContext): Promise<Row[]> {
  const transport = memoryTransport();
  const raw = createClient(Gateway, transport);
  const generated = new GatewayClient(transport);
  const direct = new WorkManagerClient(transport);
  const api = new ApiClient(new Connection(transport));
  const proxy = new WorkManagerGatewayProxy(api);
  if ((await proxy.listWorkers()).length !== 0 || (await direct.listWorkers()).length !== 0)
    throw new Error("ListWorkers answered workers");
  try {
    ctx.log(`client side ${MEMORY}: generated vs raw vs raw with the default deadline; typed proxy vs direct`);
    const [gen, rawF, rawDeadline, directF, proxyF] = await compareCalls(
      ctx,
      [
        { label: "generated", call: () => generated.listServices() },
        { label: "raw", call: () => raw.listServices({}) },
        { label: "raw + 30 s deadline", call: () => raw.listServices({}, { timeoutMs: DEFAULT_TIMEOUT_MS }) },
        { label: "direct ListWorkers", call: () => direct.listWorkers() },
        { label: "typed proxy ListWorkers", call: () => proxy.listWorkers() },
      ],
      { rate: false },
    );
    const rawLabel = `raw Connect \`listServices({})\` ${MEMORY}`;
    return [
      {
        label: `Client-side p50, generated \`GatewayClient.listServices()\` ${MEMORY}`,
        metric: gen!.p50,
        anchorLabel: rawLabel,
        anchor: rawF!.p50,
      },
      {
        label: `Client-side p50, raw Connect with the generated client's default 30 s deadline ${MEMORY}`,
        metric: rawDeadline!.p50,
        anchorLabel: rawLabel,
        anchor: rawF!.p50,
      },
      {
        label: `Client-side p50, typed proxy \`WorkManagerGatewayProxy.listWorkers()\` ${MEMORY}`,
        metric: proxyF!.p50,
        anchorLabel: `direct \`WorkManagerClient.listWorkers()\` ${MEMORY}`,
        anchor: directF!.p50,
      },
    ];
  } finally {
    await api.close();
    await direct.close();
    await generated.close();
  }
}
