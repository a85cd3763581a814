/**
 * What every emulator service implementation receives.
 */
import type { PubsubBackend, StateBackend } from "../backend/index.js";
import type { Logger } from "../logger.js";
import type { Telemetry } from "@virtufin/sdk/internal";

/** Shared dependencies of the emulator's services. */
export interface ServiceContext {
  /** Pub/sub storage and delivery. */
  readonly pubsub: PubsubBackend;
  /** Key-value state. */
  readonly state: StateBackend;
  /** The component's logger. */
  readonly log: Logger;
  /** Aborted when the emulator stops: streaming handlers end their streams normally. */
  readonly stopping: AbortSignal;
  /** Counts open server streams (Pubsub.Subscribe, Gateway.Subscribe, WatchSystemEvents). */
  readonly streams?: StreamCounter;
  /** Tracing, when the emulator was given a tracer provider. */
  readonly telemetry?: Telemetry;
}

/** Counts open server streams, so callers can tell when a subscription is in place. */
export class StreamCounter {
  private open = 0;

  /** The number of open streams. */
  get count(): number {
    return this.open;
  }

  /** Records a stream opening; call the returned function once when it closes. */
  track(): () => void {
    this.open++;
    let done = false;
    return () => {
      if (!done) this.open--;
      done = true;
    };
  }
}

/** The topic state-change events are published on. */
export const STATE_CHANGES_TOPIC = "state-changes";

/** The topic the emulator's system events (pub/sub subscriptions coming and going) go to. */
export const SYSTEM_EVENTS_TOPIC = "system-events";

/** The `ce-source` of events the API itself (State, Pubsub, Gateway) emits. */
export const API_SOURCE = "virtufin-api";

/** The pub/sub component name reported in Gateway events (Dapr's `pubsub`). */
export const PUBSUB_NAME = "pubsub";
