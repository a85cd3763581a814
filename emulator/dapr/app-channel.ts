/**
 * The app side of the emulated sidecar: with an app port, the emulator does what daprd does for
 * its app's programmatic subscriptions. It asks the app's `AppCallback.ListTopicSubscriptions`
 * (retrying with backoff until the app answers, as daprd waits for its app), subscribes to each
 * topic of the `pubsub` component as the consumer group of the app id, and delivers every event
 * to `OnTopicEvent`, one at a time per app, honouring the answer:
 *
 * - SUCCESS: done. DROP: dropped with a warning, then sent to the subscription's dead-letter
 *   topic if it has one (Dapr 1.17 does the same).
 * - RETRY, an unknown status or a failed call: delivered again after a full-jitter backoff, up to
 *   `maxDeliveryAttempts`; then dead-lettered if the subscription names a dead-letter topic, else
 *   dropped with a warning. UNIMPLEMENTED from the app is dropped at once (as in Dapr).
 *
 * The subscriptions are read once, when the app first answers (daprd reads them at start-up).
 * Routing rules with CEL `match` expressions are not evaluated: events go to the default route.
 */
import { AppCallbackClient } from "@virtufin/sdk/gen/dapr/proto/runtime/v1/appcallback_client";
import {
  TopicEventResponse_TopicEventResponseStatus as Status,
  type TopicSubscription,
} from "@virtufin/sdk/gen/dapr/proto/runtime/v1/appcallback_pb";
import { Code, sleep, VirtufinError } from "@virtufin/sdk";
import { resolveRetryPolicy, retryDelay, type ResolvedRetryPolicy } from "@virtufin/sdk/internal";
import type { BusEvent, BusSubscription, PubsubBackend } from "../backend/index.js";
import type { Logger } from "../logger.js";
import { checkTopic } from "../services/index.js";
import { toTopicEventRequest } from "./cloud-event.js";
import { DAPR_PUBSUB_NAME, DEFAULT_MAX_DELIVERY_ATTEMPTS } from "./options.js";

/** Options of {@link AppChannel}. */
export interface AppChannelOptions {
  /** The app's host. */
  readonly host: string;
  /** The app's gRPC port. */
  readonly port: number;
  /** The app id: the consumer group the app's subscriptions share. */
  readonly appId: string;
  /** The emulator's pub/sub. */
  readonly pubsub: PubsubBackend;
  /** The component's logger. */
  readonly log: Logger;
  /** Delivery attempts per event (default 5). */
  readonly maxDeliveryAttempts?: number;
  /** Upper bound of the first redelivery backoff in ms (default 100). */
  readonly redeliveryBackoffMs?: number;
}

/** How long one OnTopicEvent call may take before it counts as failed (and is retried). */
const DELIVERY_TIMEOUT_MS = 30_000;

/** The connection from the emulated sidecar to its app. */
export class AppChannel {
  readonly #options: AppChannelOptions;
  readonly #client: AppCallbackClient;
  readonly #stopping = new AbortController();
  readonly #policy: ResolvedRetryPolicy;
  readonly #discoveryPolicy: ResolvedRetryPolicy;
  readonly #subscriptions: BusSubscription[] = [];
  #subscribed: readonly TopicSubscription[] = [];
  #discovery: Promise<void> | undefined;

  /** Describes the channel; nothing is contacted until {@link start}. */
  constructor(options: AppChannelOptions) {
    this.#options = options;
    // Our own generated client of the app-callback API; redelivery is ours, so no call retries.
    this.#client = new AppCallbackClient({
      host: options.host,
      port: options.port,
      retry: false,
      timeoutMs: DELIVERY_TIMEOUT_MS,
    });
    const initial = options.redeliveryBackoffMs ?? 100;
    this.#policy = resolveRetryPolicy(
      { initialBackoffMs: initial, maxBackoffMs: Math.max(initial, 2_000) },
      undefined,
    ) as ResolvedRetryPolicy;
    this.#discoveryPolicy = resolveRetryPolicy({ initialBackoffMs: 50, maxBackoffMs: 1_000 }, undefined) as ResolvedRetryPolicy;
  }

  /** The app's subscriptions the emulator delivers to (empty until the app has answered). */
  get subscriptions(): readonly TopicSubscription[] {
    return this.#subscribed;
  }

  /** Starts asking the app for its subscriptions, in the background. */
  start(): void {
    this.#discovery ??= this.#discover();
  }

  /** Stops delivery and discovery, and closes the connection to the app. Idempotent. */
  async close(): Promise<void> {
    this.#stopping.abort();
    await this.#discovery;
    for (const sub of this.#subscriptions.splice(0)) sub.close();
    await this.#client.close();
  }

  async #discover(): Promise<void> {
    const { log, host, port } = this.#options;
    const signal = this.#stopping.signal;
    let list: TopicSubscription[] | undefined;
    for (let attempt = 1; !signal.aborted; attempt++) {
      try {
        list = await this.#client.listTopicSubscriptions({}, { signal, timeoutMs: 5_000 });
        break;
      } catch (err) {
        if (signal.aborted) return;
        if (attempt === 1)
          log.info("waiting for the app's AppCallback", { app: `${host}:${port}`, error: VirtufinError.from(err).codeName });
        // The app may start long after the emulator: keep asking, at most once a second.
        await sleep(retryDelay(this.#discoveryPolicy, Math.min(attempt, 6)), signal);
      }
    }
    if (list === undefined || signal.aborted) return;
    const accepted: TopicSubscription[] = [];
    for (const sub of list) {
      if (sub.pubsubName !== DAPR_PUBSUB_NAME) {
        log.warn("app subscription to an unknown pub/sub component ignored", { pubsub: sub.pubsubName, topic: sub.topic });
        continue;
      }
      try {
        checkTopic(sub.topic);
      } catch (err) {
        log.warn("app subscription to an invalid topic ignored", { topic: sub.topic, error: (err as Error).message });
        continue;
      }
      if (sub.routes?.rules.some((rule) => rule.match !== "")) {
        log.warn("routing rules with match expressions are not evaluated; events go to the default route", { topic: sub.topic });
      }
      const path = sub.routes?.default || sub.routes?.rules.find((rule) => rule.match === "")?.path || "";
      this.#subscriptions.push(
        this.#options.pubsub.subscribe(sub.topic, (event) => this.#deliver(event, sub, path), {
          queue: `dapr-app:${this.#options.appId}`,
        }),
      );
      accepted.push(sub);
    }
    this.#subscribed = Object.freeze(accepted);
    log.info("app subscriptions in place", { topics: accepted.map((s) => s.topic).join(",") || "(none)" });
  }

  async #deliver(event: BusEvent, sub: TopicSubscription, path: string): Promise<void> {
    const { log, pubsub } = this.#options;
    const signal = this.#stopping.signal;
    const max = Math.max(1, this.#options.maxDeliveryAttempts ?? DEFAULT_MAX_DELIVERY_ATTEMPTS);
    const request = toTopicEventRequest(event, DAPR_PUBSUB_NAME, path);
    const deadLetter = async (why: string) => {
      if (sub.deadLetterTopic === "") return;
      await pubsub.publish(sub.deadLetterTopic, event.data, { ...event.metadata }).catch(() => undefined);
      log.info("event sent to the dead-letter topic", {
        topic: event.topic,
        id: event.id,
        deadLetterTopic: sub.deadLetterTopic,
        why,
      });
    };
    for (let attempt = 1; !signal.aborted; attempt++) {
      let why: string;
      try {
        const status = await this.#client.onTopicEvent(request, { signal });
        if (status === Status.SUCCESS) return;
        if (status === Status.DROP) {
          log.warn("DROP status returned from app", { topic: event.topic, id: event.id });
          await deadLetter("dropped");
          return;
        }
        why = status === Status.RETRY ? "RETRY status returned from app" : `unknown status ${String(status)} returned from app`;
      } catch (err) {
        if (signal.aborted) return;
        const error = VirtufinError.from(err);
        if (error.code === Code.Unimplemented) {
          log.warn("non-retriable error returned from app, event dropped", {
            topic: event.topic,
            id: event.id,
            error: error.message,
          });
          return;
        }
        why = `error returned from app: ${error.message}`;
      }
      if (attempt >= max) {
        log.warn("event not delivered after every attempt", { topic: event.topic, id: event.id, attempts: attempt, why });
        await deadLetter(why);
        return;
      }
      log.debug("event redelivery scheduled", { topic: event.topic, id: event.id, attempt, why });
      await sleep(retryDelay(this.#policy, attempt), signal);
    }
  }
}
