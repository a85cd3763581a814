/**
 * WorkManager lifecycle events, published best-effort on `workmanager.lifecycle` as CloudEvents
 * of type `com.virtufin.workmanager.lifecycle.<state>` with JSON data
 * `{worker_id, group?, topic, error_type?, error_message?}`.
 *
 * States (the platform's WorkerEvents names where one fits, contract §2.6):
 * - `registered`  CreateWorker, and each worker RecoverWorkers re-creates
 * - `starting`, `online`   StartWorker (and recovery), before and after subscribing
 * - `stopping`, `stopped`  StopWorker, and DeleteWorker of a running worker
 * - `failed`      an event was dead-lettered after its retries, or code failed to (re)load
 * - `codeloaded`  LoadCodeFromContent / LoadCodeFromUrl succeeded (emulator name: §2.6 has none)
 * - `deleted`     DeleteWorker (emulator name: §2.6 has none)
 */
import type { PubsubBackend } from "../backend/types.js";
import type { Logger } from "../logger.js";

/** The lifecycle topic. */
export const LIFECYCLE_TOPIC = "workmanager.lifecycle";
/** The ce-type prefix of lifecycle events. */
export const LIFECYCLE_TYPE_PREFIX = "com.virtufin.workmanager.lifecycle.";
/** The ce-source of WorkManager events. */
export const WORKMANAGER_SOURCE = "urn:com.virtufin.workmanager";

/** The lifecycle states the emulator publishes. */
export type LifecycleState = "registered" | "starting" | "online" | "stopping" | "stopped" | "failed" | "codeloaded" | "deleted";

/** The worker a lifecycle event is about. */
export interface LifecycleSubject {
  /** The worker id. */
  readonly id: string;
  /** Its topic. */
  readonly topic: string;
  /** Its group, or "". */
  readonly group: string;
}

/** Publishes lifecycle events; failures are logged, never thrown (best-effort, as the platform). */
export class LifecyclePublisher {
  /** Creates the publisher. */
  constructor(
    private readonly pubsub: PubsubBackend,
    private readonly log: Logger,
  ) {}

  /** Publishes one event. */
  async publish(state: LifecycleState, worker: LifecycleSubject, error?: { type: string; message: string }): Promise<void> {
    const data: Record<string, string> = { worker_id: worker.id, topic: worker.topic };
    if (worker.group !== "") data["group"] = worker.group;
    if (error) {
      data["error_type"] = error.type;
      data["error_message"] = error.message;
    }
    try {
      await this.pubsub.publish(LIFECYCLE_TOPIC, new TextEncoder().encode(JSON.stringify(data)), {
        "ce-type": LIFECYCLE_TYPE_PREFIX + state,
        "ce-source": WORKMANAGER_SOURCE,
        "ce-datacontenttype": "application/json",
        "ce-subject": worker.id,
      });
    } catch (err) {
      this.log.debug("lifecycle event not published", {
        state,
        worker: worker.id,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
}
