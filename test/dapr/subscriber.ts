/**
 * A Virtufin subscription for the Dapr tests: events published through the Dapr side are read
 * back as an ApiClient subscriber sees them.
 */
import type { ApiClient, PubsubEvent } from "../../index.js";

/** A live subscription to `topic` (ready when this resolves) and a way to await its next `n` events. */
export async function subscriber(api: ApiClient, topic: string) {
  const controller = new AbortController();
  const iterator = (await api.pubsub.subscribeReady(topic, { signal: controller.signal }))[Symbol.asyncIterator]();
  return {
    /** The next `n` events (fewer if the stream ends first). */
    async next(n: number): Promise<PubsubEvent[]> {
      const out: PubsubEvent[] = [];
      while (out.length < n) {
        const step = await iterator.next();
        if (step.done) break;
        out.push(step.value);
      }
      return out;
    },
    /** Ends the subscription. */
    stop: () => controller.abort(),
  };
}
