/**
 * The generated typed request-reply route of the custom-service example:
 * `TimeWorkerPubsubProxy.elapsed()` answered by `serveTimeWorker()`, both generated from
 * `examples/custom-service/proto/acme/pricing/v1/pricing.proto`, where `option (virtufin.pubsub)`
 * binds the TimeWorker service to pub/sub.
 */
import { serveTimeWorker, TimeWorkerPubsubProxy } from "../../examples/custom-service/gen/acme/pricing/v1/pricing_client.js";
import { ApiClient } from "../../platform/api-client.js";

/** A ready typed request-reply route: one call is one checked round trip. */
export interface TypedRequestReply {
  /** Row label, naming the generated client and method. */
  readonly label: string;
  /** Makes one round trip and checks the reply answers it. */
  readonly call: (i: number) => Promise<void>;
  /** Stops the responder and closes the clients. */
  close(): Promise<void>;
}

/**
 * Starts the generated responder on its own ApiClient (as a separate process would have) and
 * returns the route, with its own requesting ApiClient.
 */
export async function startTypedRequestReply(gateway: { host: string; port: number }): Promise<TypedRequestReply> {
  const requester = new ApiClient(gateway);
  const responderApi = new ApiClient(gateway);
  const client = new TimeWorkerPubsubProxy(requester);
  const responder = serveTimeWorker(responderApi, {
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
    label: "generated `TimeWorkerPubsubProxy.elapsed()` + `serveTimeWorker()`",
    call: async (i) => {
      const seconds = await client.elapsed({ fromUnixSeconds: 0n, toUnixSeconds: BigInt(i) }, { timeoutMs: 10_000 });
      if (seconds !== BigInt(i)) throw new Error(`Elapsed answered ${seconds} to request ${i}`);
    },
    close,
  };
}
