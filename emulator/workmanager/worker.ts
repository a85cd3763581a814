/**
 * One worker: its engine (a host child process), its subscription, and the dispatch of each
 * event — group exclusion, retries with exponential backoff, reply publishing, dead-lettering.
 */
import type { BusEvent, BusSubscription, PubsubBackend } from "../backend/types.js";
import { WorkerActivity } from "../inspector/worker-activity.js";
import type { Logger } from "../logger.js";
import { ChildEngine, WorkerError } from "./child-engine.js";
import { toPublication, toWorkerEvent } from "./cloud-event.js";
import type { EngineSpec } from "./engines.js";
import type { LifecyclePublisher } from "./lifecycle.js";
import type { GroupLocks } from "../backend/types.js";
import type { ResolvedWorkManagerOptions } from "./options.js";
import type { StoredCodeSource, WorkerRecord } from "./worker-store.js";
import { sleep } from "@virtufin/sdk";
import { ATTR_MESSAGING_MESSAGE_ID, backoffDelay, type Telemetry } from "@virtufin/sdk/internal";

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
  /** Tracing, when the emulator was given a tracer provider. */
  readonly telemetry?: Telemetry;
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
    /** Counters and recent log lines, for the emulator's inspector. */
    readonly activity: WorkerActivity = new WorkerActivity(),
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
    const tracing = this.context.telemetry ? new WorkerTracing(this.context.telemetry, this, event) : undefined;
    let lastError = new WorkerError("Error", "not processed");
    let attempts = 0;
    for (let attempt = 0; attempt < retryAttempts && !this.disposed; attempt++) {
      if (attempt > 0)
        await sleep(
          backoffDelay(attempt, {
            initialMs: retryBaseDelayMs,
            maxMs: retryBaseDelayMs * 2 ** (retryAttempts - 1),
            jitter: "none",
          }),
        );
      if (this.disposed) break;
      attempts += 1;
      // The worker's code reads this attempt's trace context from the event (`traceparent`).
      tracing?.attempt(attempts, input);
      if (attempt > 0) this.activity.count("retried");
      try {
        const result = await this.exclusive(() => this.engine.process(input, messageTimeoutMs));
        const publication = toPublication(result, event);
        if (publication) {
          // Closing: the bus may be gone; leave the event unacknowledged rather than lose its result.
          if (this.context.closing())
            throw new Error(`the result of event ${event.id} not published: the WorkManager is closing`);
          await (tracing
            ? tracing.publish(publication.topic, publication.metadata, () =>
                this.context.pubsub.publish(publication.topic, publication.data, publication.metadata),
              )
            : this.context.pubsub.publish(publication.topic, publication.data, publication.metadata));
        }
        tracing?.done();
        this.activity.count("processed");
        return;
      } catch (err) {
        this.activity.count("failed");
        if (this.context.closing()) break;
        lastError =
          err instanceof WorkerError
            ? err
            : new WorkerError(err instanceof Error ? err.name : "Error", String(err instanceof Error ? err.message : err));
        tracing?.failed(lastError);
        this.log.warn("Process failed", {
          event: event.id,
          attempt: attempts,
          of: retryAttempts,
          error: `${lastError.type}: ${lastError.message}`,
        });
      }
    }
    tracing?.done(lastError);
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
    this.activity.count("deadLettered");
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

/**
 * The spans of one event in a worker: `process <topic>` (consumer, child of the delivery), one
 * `worker <language>` per attempt, and `publish <topic>` for the reply, whose context goes into
 * the reply event so the requester's trace continues.
 */
class WorkerTracing {
  private readonly process: ReturnType<Telemetry["startConsumer"]>;
  private readonly context: ReturnType<Telemetry["parent"]>;
  private execution: ReturnType<Telemetry["startSpan"]> | undefined;
  private executionContext: ReturnType<Telemetry["parent"]> | undefined;

  constructor(
    private readonly telemetry: Telemetry,
    private readonly worker: Worker,
    event: BusEvent,
  ) {
    const root = telemetry.parent(undefined);
    this.process = telemetry.startConsumer("process", event.topic, event.metadata, root, {
      [ATTR_MESSAGING_MESSAGE_ID]: event.id,
      "messaging.consumer.group.name": `workmanager:${event.topic}`,
      "virtufin.worker.id": worker.id,
    });
    this.context = telemetry.withSpan(root, this.process);
  }

  /** Starts an attempt's span and puts its context into the worker's event. */
  attempt(attempt: number, input: Record<string, unknown>): void {
    this.execution = this.telemetry.startSpan(
      `worker ${this.worker.spec.language}`,
      "internal",
      { "virtufin.worker.id": this.worker.id, "virtufin.worker.attempt": attempt },
      this.context,
    );
    this.executionContext = this.telemetry.withSpan(this.context, this.execution);
    const carried: Record<string, string> = {};
    this.telemetry.injectMetadata(this.execution, carried);
    delete input["tracestate"];
    Object.assign(input, carried);
  }

  /** Publishes the reply under a producer span whose context the reply carries. */
  async publish(topic: string, metadata: Record<string, string>, send: () => Promise<unknown>): Promise<void> {
    const span = this.telemetry.startMessaging("publish", topic, "producer", this.executionContext ?? this.context);
    this.telemetry.injectMetadata(span, metadata);
    try {
      await send();
      this.telemetry.end(span);
    } catch (error) {
      this.telemetry.end(span, error);
      throw error;
    }
  }

  /** Ends a failed attempt. */
  failed(error: WorkerError): void {
    if (this.execution) this.telemetry.end(this.execution, new Error(`${error.type}: ${error.message}`));
    this.execution = undefined;
  }

  /** Ends the event's processing (failed when `error` is given: it was dead-lettered). */
  done(error?: WorkerError): void {
    if (this.execution) this.telemetry.end(this.execution);
    this.execution = undefined;
    this.telemetry.end(this.process, error && new Error(`${error.type}: ${error.message}`));
  }
}
