/**
 * The generated typed request-reply route of the custom-service example:
 * `TimeWorkerPubsubClient.elapsed()` answered by `serveTimeWorker()` (generated from
 * `examples/custom-service/proto/acme/pricing/v1/pricing.proto`, bound to pub/sub by
 * `option (virtufin.pubsub)`). Loaded at run time, so the benchmark still runs — and says the
 * route is missing — when that generated file is absent or has another shape.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ApiClient } from "../../platform/index.js";

/** A ready typed request-reply route: one call is one checked round trip. */
export interface TypedRequestReply {
  /** Row label, naming the generated client and method. */
  readonly label: string;
  /** Makes one round trip and checks the reply answers it. */
  readonly call: (i: number) => Promise<void>;
  /** Stops the responder and closes the clients. */
  close(): Promise<void>;
}

const GENERATED = resolve(import.meta.dirname, "..", "..", "examples", "custom-service", "gen", "acme", "pricing", "v1", "pricing_client.ts");

interface ElapsedRequest {
  readonly fromUnixSeconds: bigint;
  readonly toUnixSeconds: bigint;
}

/** The parts of the generated module the benchmark uses. */
interface TimeWorkerModule {
  TimeWorkerPubsubClient: new (target: ApiClient) => { elapsed(request: ElapsedRequest, options?: { timeoutMs?: number }): Promise<bigint> };
  serveTimeWorker: (
    target: ApiClient,
    implementation: { getTime(request: unknown): object; elapsed(request: ElapsedRequest): { seconds: bigint } },
  ) => { startup(): Promise<void>; shutdown(): Promise<void> };
}

/**
 * Starts the generated responder on its own ApiClient and returns the route, or a
 * "missing: …" string saying why it cannot.
 */
export async function loadTypedRequestReply(gateway: { host: string; port: number }): Promise<TypedRequestReply | string> {
  if (!existsSync(GENERATED)) return "missing: `examples/custom-service/gen/acme/pricing/v1/pricing_client.ts` is not generated";
  const mod = (await import(pathToFileURL(GENERATED).href)) as Partial<TimeWorkerModule>;
  if (typeof mod.TimeWorkerPubsubClient !== "function" || typeof mod.serveTimeWorker !== "function") {
    return "missing: the generated file exports no `TimeWorkerPubsubClient` / `serveTimeWorker`";
  }
  const requester = new ApiClient(gateway);
  const responderApi = new ApiClient(gateway);
  const client = new mod.TimeWorkerPubsubClient(requester);
  const responder = mod.serveTimeWorker(responderApi, {
    getTime: () => ({ iso: "1970-01-01T00:00:00Z", zone: "UTC" }),
    elapsed: (request) => ({ seconds: request.toUnixSeconds - request.fromUnixSeconds }),
  });
  const close = async (): Promise<void> => {
    await responder.shutdown();
    await requester.close();
    await responderApi.close();
  };
  try {
    await responder.startup();
  } catch (error) {
    await close();
    throw error;
  }
  return {
    label: "generated `TimeWorkerPubsubClient.elapsed()` + `serveTimeWorker()`",
    call: async (i) => {
      const seconds = await client.elapsed({ fromUnixSeconds: 0n, toUnixSeconds: BigInt(i) }, { timeoutMs: 10_000 });
      if (seconds !== BigInt(i)) throw new Error(`Elapsed answered ${seconds} to request ${i}`);
    },
    close,
  };
}
