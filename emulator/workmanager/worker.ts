/**
 * One worker: its engine (a host child process), its subscription, and the dispatch of each
 * event — group exclusion, retries with exponential backoff, reply publishing, dead-lettering.
 */
import type { BusEvent, BusSubscription, PubsubBackend } from "../backend/types.js";
import type { Logger } from "../logger.js";
import { ChildEngine, WorkerError } from "./child-engine.js";
import { toPublication, toWorkerEvent } from "./cloud-event.js";
import type { EngineSpec } from "./engines.js";
import type { LifecyclePublisher } from "./lifecycle.js";
import type { GroupLocks } from "../backend/types.js";
import type { ResolvedWorkManagerOptions } from "./options.js";
import type { StoredCodeSource, WorkerRecord } from "./worker-store.js";

/** The suffix of dead-letter topics. */
export const DEAD_LETTER_SUFFIX = "-dead";

/** What every worker shares. */
export interface WorkerContext {
  /** Where events come from and results go. */
  readonly pubsub: PubsubBackend;
  /** Lifecycle events. */
  readonly lifecycle: LifecyclePublisher;
  /** One lock per group name (across every emulator on a shared backend). */
  readonly groups: GroupLocks;
  /** The service options. */
  readonly options: ResolvedWorkManagerOptions;
  /** True once the service is closing: no more publishing. */
  readonly closing: () => boolean;
}

/** A worker's mutable state and behaviour. */
export class Worker {
  /** Running or stopped. */
  status: "STOPPED" | "RUNNING" = "STOPPED";
  private subscription: BusSubscription | undefined;
  private disposed = false;
  private readonly inFlight = new Set<Promise<void>>();
  private history: WorkerRecord["history"];

  /** Creates a stopped worker around an engine that already has its code loaded. */
  constructor(
    private readonly record: Omit<WorkerRecord, "history">,
    history: WorkerRecord["history"],
    readonly engine: ChildEngine,
    readonly spec: EngineSpec,
    private readonly context: WorkerContext,
    private readonly log: Logger,
  ) {
    this.history = [...history];
  }

  /** The worker id. */
  get id(): string {
    return this.record.id;
  }
  /** The topic consumed. */
  get topic(): string {
    return this.record.topic;
  }
  /** The group, or "". */
  get group(): string {
    return this.record.group;
  }
  /** ISO-8601 creation time. */
  get createdAt(): string {
    return this.record.createdAt;
  }
  /** Every code source, oldest first. */
  get codeHistory(): WorkerRecord["history"] {
    return this.history;
  }
  /** The current code source. */
  get codeSource(): StoredCodeSource {
    return this.history[this.history.length - 1]?.codeSource ?? {};
  }

  /** The persistable record. */
  toRecord(): WorkerRecord {
    return { ...this.record, history: this.history, status: this.status };
  }

  /** Replaces the history with a newer one persisted by another emulator (code reloaded there). */
  adoptHistory(history: WorkerRecord["history"]): void {
    this.history = [...history];
  }

  /** Settles once the subscription of a running worker is in place (a shared backend's group exists). */
  async subscribed(): Promise<void> {
    await this.subscription?.ready;
  }

  /** Appends a history entry (after a successful reload). */
  addHistory(codeSource: StoredCodeSource): void {
    this.history = [...this.history, { codeSource, createdAt: new Date().toISOString() }];
  }

  /** Subscribes to the topic as a competing consumer; a no-op when running. */
  start(): boolean {
    if (this.status === "RUNNING" || this.disposed) return false;
    // One queue per topic: every worker of the topic competes for each event.
    this.subscription = this.context.pubsub.subscribe(this.topic, (event) => this.track(this.handle(event)), {
      queue: `workmanager:${this.topic}`,
    });
    this.status = "RUNNING";
    return true;
  }

  /** Unsubscribes; a no-op when stopped. The engine stays loaded; an in-flight event finishes. */
  stop(): boolean {
    if (this.status === "STOPPED") return false;
    this.subscription?.close();
    this.subscription = undefined;
    this.status = "STOPPED";
    return true;
  }

  /** Stops, kills the engine and waits for in-flight events to settle. */
  async dispose(): Promise<void> {
    this.stop();
    this.disposed = true;
    await this.engine.dispose();
    await Promise.allSettled([...this.inFlight]);
  }

  private track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    return work.finally(() => this.inFlight.delete(work));
  }

  /**
   * Processes one event with retries; resolves when done (the bus's acknowledgement: the result
   * was published or the event dead-lettered). Rejects when the worker was disposed before either,
   * so a shared backend leaves the event pending for another worker instead of losing it.
   */
  private async handle(event: BusEvent): Promise<void> {
    const { retryAttempts, retryBaseDelayMs, messageTimeoutMs } = this.context.options;
    const input = toWorkerEvent(event);
    let lastError = new WorkerError("Error", "not processed");
    let attempts = 0;
    for (let attempt = 0; attempt < retryAttempts && !this.disposed; attempt++) {
      if (attempt > 0) await sleep(retryBaseDelayMs * 2 ** (attempt - 1));
      if (this.disposed) break;
      attempts += 1;
      try {
        const result = await this.exclusive(() => this.engine.process(input, messageTimeoutMs));
        const publication = toPublication(result, event);
        if (publication) {
          // Closing: the bus may be gone; leave the event unacknowledged rather than lose its result.
          if (this.context.closing()) throw new Error(`the result of event ${event.id} not published: the WorkManager is closing`);
          await this.context.pubsub.publish(publication.topic, publication.data, publication.metadata);
        }
        return;
      } catch (err) {
        if (this.context.closing()) break;
        lastError = err instanceof WorkerError ? err : new WorkerError(err instanceof Error ? err.name : "Error", String(err instanceof Error ? err.message : err));
        this.log.warn("Process failed", { event: event.id, attempt: attempts, of: retryAttempts, error: `${lastError.type}: ${lastError.message}` });
      }
    }
    if (this.disposed || this.context.closing()) throw new Error(`event ${event.id} not processed: the worker was stopped`);
    await this.deadLetter(event, lastError, attempts);
  }

  /** Runs one Process call, holding the group's mutex when the worker has a group. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.group === "" ? fn() : this.context.groups.run(this.group, fn);
  }

  private async deadLetter(event: BusEvent, error: WorkerError, attempts: number): Promise<void> {
    if (this.context.closing()) return;
    const topic = event.topic + DEAD_LETTER_SUFFIX;
    this.log.warn("event dead-lettered", { event: event.id, topic, error: `${error.type}: ${error.message}` });
    try {
      await this.context.pubsub.publish(topic, event.data, {
        ...event.metadata,
        originaltopic: event.topic,
        workerid: this.id,
        errortype: error.type,
        errormessage: error.message,
        attempts: String(attempts),
      });
    } catch (err) {
      this.log.error("dead letter not published", { event: event.id, error: err instanceof Error ? err.message : String(err) });
      // Unacknowledged, the event stays pending on a shared backend and is tried again.
      throw err;
    }
    await this.context.lifecycle.publish("failed", this, { type: error.type, message: error.message });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
