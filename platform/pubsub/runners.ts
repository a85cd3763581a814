/**
 * Subscriptions that run as runners with a lifecycle (seed: aio-fluid workers): a subscription
 * consumed by a handler, and a request-reply responder that answers each request on its
 * `replytopic` with the correlation id copied.
 */
import { Code, codeFromName, codeName, VirtufinError, invalidArgument } from "../../runtime/errors.js";
import { type RunnerOptions } from "../../runtime/runners/types.js";
import { Runner } from "../../runtime/runners/runner.js";
import { checkTopic } from "./check-topic.js";
import type { EventData } from "./encode.js";
import type { PubsubEvent } from "./event.js";
import type { PublishOptions, SubscribeOptions } from "./pubsub-options.js";
import type { ProcessSpan } from "../../runtime/telemetry/messaging.js";

/**
 * What the subscription runners use of the platform's pub/sub (`api.pubsub`, a PlatformPubsub,
 * is one): an interface here, so that the runners depend on the options module only and the
 * client, which serves responders with these runners, does not form a cycle with them.
 */
export interface PubsubPort {
  /** Subscribes, resolving once the server has the subscription. */
  subscribeReady(topic: string, options?: SubscribeOptions & { readyTimeoutMs?: number }): Promise<AsyncIterable<PubsubEvent>>;
  /** Publishes an event. */
  publish(topic: string, data?: EventData, options?: PublishOptions): Promise<void>;
  /**
   * Starts the consumer span of a received event when telemetry is on.
   *
   * @internal
   */
  traceProcess(event: PubsubEvent): ProcessSpan | undefined;
}

/**
 * What a subscription worker or responder runs on: an ApiClient (`new Responder(api, ...)`), or
 * its pub/sub (`api.pubsub`, or any other {@link PubsubPort}).
 */
export type PubsubHost = PubsubPort | { readonly pubsub: PubsubPort };

/** The pub/sub of a host: its `pubsub` when it has one, else the host itself. */
function pubsubOf(host: PubsubHost): PubsubPort {
  return "pubsub" in host ? host.pubsub : host;
}

/** Metadata key of a reply that reports a failure: the gRPC code name (e.g. "INTERNAL"). */
export const ERROR_CODE_KEY = "errorcode";
/** Metadata key of a reply that reports a failure: the error message. */
export const ERROR_MESSAGE_KEY = "errormessage";

/** Handles one event of a subscription runner. */
export type EventListener = (event: PubsubEvent, signal: AbortSignal) => void | Promise<void>;

/** Options of a {@link SubscriptionRunner}. */
export interface SubscriptionRunnerOptions extends RunnerOptions, Omit<SubscribeOptions, "signal"> {
  /** How many events are handled at once (default 1: in order). */
  concurrency?: number;
}

/**
 * A subscription run as a runner: `startup()` resolves once the server has registered the
 * subscription; each event goes to the handler (at most `concurrency` at once); a graceful stop
 * ends the subscription and lets handlers in progress finish. A handler that throws fails the
 * runner (its error is kept in `error` and thrown by `waitForShutdown()`).
 */
export class SubscriptionRunner extends Runner {
  readonly #pubsub: PubsubPort;
  readonly #listener: EventListener;
  readonly #options: SubscriptionRunnerOptions;
  #events: AsyncIterable<PubsubEvent> | undefined;
  #handled = 0;

  /**
   * A runner consuming `topic` with `listener`, on an ApiClient or its pub/sub. Nothing happens
   * before `startup()`.
   */
  constructor(
    host: PubsubHost,
    readonly topic: string,
    listener: EventListener,
    options: SubscriptionRunnerOptions = {},
  ) {
    super({ name: `subscription-${topic}`, ...options });
    checkTopic(topic);
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1)
      throw invalidArgument(`concurrency must be a positive integer, got ${concurrency}`);
    this.#pubsub = pubsubOf(host);
    this.#listener = listener;
    this.#options = { ...options, concurrency };
  }

  /** Status with the topic and the number of events handled. */
  override status() {
    return { ...super.status(), topic: this.topic, handled: this.#handled };
  }

  protected override async onStartup(): Promise<void> {
    const { reconnect, onReconnect } = this.#options;
    this.#events = await this.#pubsub.subscribeReady(this.topic, { signal: this.stopSignal, reconnect, onReconnect });
  }

  protected override async run(signal: AbortSignal): Promise<void> {
    const limit = this.#options.concurrency ?? 1;
    let running = 0;
    let wake: (() => void) | undefined;
    let failure: { error: unknown } | undefined;
    const settled = () => {
      running--;
      wake?.();
      wake = undefined;
    };
    for await (const event of this.#events ?? []) {
      running++;
      Promise.resolve()
        .then(() => this.#listener(event, this.cancelSignal))
        .then(
          () => void this.#handled++,
          (error: unknown) => void (failure ??= { error }),
        )
        .finally(settled);
      // At the limit, wait for one handler to finish before reading the next event.
      while (running >= limit && !failure) await new Promise<void>((resolve) => (wake = resolve));
      if (failure || signal.aborted) break;
    }
    while (running > 0) await new Promise<void>((resolve) => (wake = resolve));
    if (failure) throw failure.error;
  }
}

/** What a responder's handler returns: reply data, or `undefined` for no reply. */
export type ResponderHandler = (
  request: PubsubEvent,
  signal: AbortSignal,
) => EventData | undefined | Promise<EventData | undefined>;

/** Options of a {@link Responder}. */
export interface ResponderOptions extends SubscriptionRunnerOptions {
  /** Reply topic for requests that carry no `replytopic` (else they get no reply). */
  defaultReplyTopic?: string;
  /** CloudEvent type of replies (default: the request's type + ".reply"). */
  replyType?: string;
  /** CloudEvent source of replies (default "urn:virtufin:responder:<topic>"). */
  source?: string;
}

/**
 * A request-reply responder run as a runner: it consumes `topic`, computes each reply with the
 * handler, and publishes it to the request's `replytopic` with its `correlationid`. A handler
 * error is answered too: an empty reply whose metadata carries `errorcode` and `errormessage`,
 * which `publishWithResult` callers and generated request-reply proxies raise as a typed error.
 * Handles up to 64 requests at once by default: a handler mostly waits for its reply's publish
 * round trip, so a lower bound (it was 16) left the server idle while requests queued here
 * (bench/runtime/README.md).
 *
 * ```ts
 * await using responder = new Responder(api, "worker-commands", (request) => ({ ok: true }));
 * await responder.startup(); // resolves once the subscription is live
 * ```
 */
export class Responder extends SubscriptionRunner {
  /** A responder for requests on `topic`, on an ApiClient or its pub/sub. Nothing happens before `startup()`. */
  constructor(host: PubsubHost, topic: string, handler: ResponderHandler, options: ResponderOptions = {}) {
    const pubsub = pubsubOf(host);
    super(pubsub, topic, (request, signal) => answer(pubsub, topic, request, handler, options, signal), {
      name: `responder-${topic}`,
      concurrency: 64,
      ...options,
    });
  }
}

async function answer(
  pubsub: PubsubPort,
  topic: string,
  request: PubsubEvent,
  handler: ResponderHandler,
  options: ResponderOptions,
  signal: AbortSignal,
): Promise<void> {
  const replyTopic = request.replyTopic ?? options.defaultReplyTopic;
  let data: EventData | undefined;
  const metadata: Record<string, string> = {};
  // With telemetry on, the request's processing is a consumer span and the reply its child.
  const traced = pubsub.traceProcess(request);
  let failure: unknown;
  try {
    try {
      data = await (traced ? traced.run(() => handler(request, signal)) : handler(request, signal));
      if (data === undefined) return;
    } catch (error) {
      failure = error;
      const typed = VirtufinError.from(error, Code.Internal);
      metadata[ERROR_CODE_KEY] = codeName(typed.code);
      metadata[ERROR_MESSAGE_KEY] = typed.rawMessage;
      data = undefined;
    }
    if (!replyTopic) return;
    // A forced cancel drops the reply; a graceful stop lets it go out. The runner's long-lived
    // signal is not handed to the call: every reply would add a listener to it.
    if (signal.aborted) return;
    await pubsub.publish(replyTopic, data, {
      correlationId: request.correlationId,
      type: options.replyType ?? `${request.type ?? "request"}.reply`,
      source: options.source ?? `urn:virtufin:responder:${topic}`,
      metadata,
      ...(traced ? { contextValues: traced.contextValues } : {}),
    });
  } finally {
    traced?.end(failure);
  }
}

/** The typed error a reply reports through `errorcode`/`errormessage`, or undefined for a success. */
export function replyError(reply: PubsubEvent): VirtufinError | undefined {
  const code = reply.metadata[ERROR_CODE_KEY];
  if (code === undefined) return undefined;
  return new VirtufinError(reply.metadata[ERROR_MESSAGE_KEY] ?? code, codeFromName(code));
}
