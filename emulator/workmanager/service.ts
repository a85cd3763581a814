/**
 * The WorkManager RPCs (G1 generation): a registry of workers, their persistence and lifecycle.
 */
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { randomUUID } from "node:crypto";
import type { GroupLocks, PubsubBackend, StateBackend } from "../backend/types.js";
import type { Logger } from "../logger.js";
import type { Telemetry } from "@virtufin/sdk/internal";
import { WorkManager, WorkerStatus, type CodeSource } from "@virtufin/sdk/gen/virtufin/workmanager_pb";
import { ChildEngine, EngineUnavailableError, WorkerError } from "./child-engine.js";
import { describeUrl, fetchCode, parseCodeUrl } from "./code-fetcher.js";
import { findEngine, spawnSpec, type EngineSpec } from "./engines.js";
import { LifecyclePublisher } from "./lifecycle.js";
import { residentLimitBytes } from "./memory-watch.js";
import { KeyedMutex } from "./mutex.js";
import type { ResolvedWorkManagerOptions } from "./options.js";
import { Worker, type WorkerContext } from "./worker.js";
import { ChangeFeed } from "../inspector/change-feed.js";
import { WorkerActivity } from "../inspector/worker-activity.js";
import { WorkerStore, type StoredCodeSource, type WorkerRecord } from "./worker-store.js";

/** What the service is built from. */
export interface WorkManagerDeps {
  /** Events in and out. */
  readonly pubsub: PubsubBackend;
  /** Where worker records persist. */
  readonly state: StateBackend;
  /** The service's logger. */
  readonly log: Logger;
  /** Tracing, when the emulator was given a tracer provider. */
  readonly telemetry?: Telemetry;
  /** Group locks; by default a mutex per group within this process. */
  readonly locks?: GroupLocks;
}

/** The WorkManager: RPC implementation plus shutdown. */
export class WorkManagerCore {
  private readonly workers = new Map<string, Worker>();
  /** Told whenever a worker's counters or log lines change (the inspector listens). */
  readonly changes = new ChangeFeed();
  private readonly ops = new KeyedMutex();
  private readonly store: WorkerStore;
  private readonly lifecycle: LifecyclePublisher;
  private readonly context: WorkerContext;
  private closed = false;
  private ready: Promise<unknown> = Promise.resolve();
  /** Ids seen in the shared registry: only those are removed when they disappear from it. */
  private readonly registered = new Set<string>();
  private syncTimer: NodeJS.Timeout | undefined;
  /** When this emulator last changed a worker through an RPC: a registry read older than that is stale for it. */
  private readonly changedAt = new Map<string, number>();

  /** Creates the service; with recoverOnStart, persisted workers are recovered in the background. */
  constructor(
    private readonly deps: WorkManagerDeps,
    private readonly options: ResolvedWorkManagerOptions,
  ) {
    this.store = new WorkerStore(deps.state);
    this.lifecycle = new LifecyclePublisher(deps.pubsub, deps.log);
    this.context = {
      pubsub: deps.pubsub,
      lifecycle: this.lifecycle,
      groups: deps.locks ?? new KeyedMutex(),
      options,
      closing: () => this.closed,
      telemetry: deps.telemetry,
    };
    if (options.syncIntervalMs > 0) {
      // On a shared backend the registry is the truth: follow it now and then periodically.
      this.ready = this.syncSafely().then(
        (count) => count > 0 && deps.log.info("workers taken from the shared registry", { count }),
      );
      this.syncTimer = setInterval(() => void this.ops.run("\u0000sync", () => this.syncSafely()), options.syncIntervalMs);
      this.syncTimer.unref();
    } else if (options.recoverOnStart) {
      this.ready = this.recover().then(
        (count) => count > 0 && deps.log.info("recovered persisted workers", { count }),
        (err: unknown) => deps.log.warn("worker recovery failed", { error: err instanceof Error ? err.message : String(err) }),
      );
    }
  }

  /** The workers, oldest first (for the emulator's inspector; read-only use). */
  workerList(): readonly Worker[] {
    return [...this.workers.values()];
  }

  /** The Connect service implementation. */
  readonly impl: ServiceImpl<typeof WorkManager> = {
    createWorker: async (req) => {
      await this.ready;
      const spec = engineOf(req.mimeType);
      const topic = req.topic.trim();
      if (topic === "") throw new ConnectError("topic is required", Code.InvalidArgument);
      const { code, source } = await this.resolveCode(req.codeSource);
      const id = randomUUID();
      const now = new Date().toISOString();
      const record = { id, mimeType: spec.mimeType, topic, group: req.group.trim(), createdAt: now };
      const worker = await this.buildWorker(record, [{ codeSource: source, createdAt: now }], spec, code);
      if (this.closed) {
        // close() ran while the engine started: do not leave a process behind.
        await worker.dispose();
        throw new ConnectError("the WorkManager is shutting down", Code.Unavailable);
      }
      this.workers.set(id, worker);
      this.changedAt.set(id, Date.now());
      this.registered.add(id);
      await this.store.save(worker.toRecord());
      this.deps.log.info("worker created", { id, language: spec.language, topic, group: record.group || undefined });
      await this.lifecycle.publish("registered", worker);
      return { id };
    },

    listWorkers: async () => {
      await this.ready;
      return {
        workers: [...this.workers.values()].map((worker) => ({
          id: worker.id,
          codeSource: toProtoSource(worker.codeSource),
          mimeType: worker.spec.mimeType,
          language: worker.spec.language,
          topic: worker.topic,
          group: worker.group,
          createdAt: worker.createdAt,
          status: worker.status === "RUNNING" ? WorkerStatus.RUNNING : WorkerStatus.STOPPED,
        })),
      };
    },

    deleteWorker: async (req) =>
      this.withWorker(req.id, async (worker) => {
        await this.stopWorker(worker);
        this.workers.delete(worker.id);
        this.registered.delete(worker.id);
        this.changedAt.delete(worker.id);
        await worker.dispose();
        await this.store.remove(worker.id);
        this.deps.log.info("worker deleted", { id: worker.id });
        await this.lifecycle.publish("deleted", worker);
        return {};
      }),

    startWorker: async (req) =>
      this.withWorker(req.id, async (worker) => {
        await this.startWorker(worker);
        this.changedAt.set(worker.id, Date.now());
        await this.store.save(worker.toRecord());
        return {};
      }),

    stopWorker: async (req) =>
      this.withWorker(req.id, async (worker) => {
        await this.stopWorker(worker);
        this.changedAt.set(worker.id, Date.now());
        await this.store.save(worker.toRecord());
        return {};
      }),

    recoverWorkers: async () => {
      await this.ready;
      return { recoveredCount: await this.recover() };
    },

    getWorkerHistory: async (req) =>
      this.withWorker(req.id, (worker) => ({
        entries: worker.codeHistory.map((entry) => ({ codeSource: toProtoSource(entry.codeSource), createdAt: entry.createdAt })),
      })),

    loadCodeFromContent: async (req) => {
      const code = decodeCode(req.content);
      return this.withWorker(req.id, async (worker) => {
        await this.reload(worker, code, { content: Buffer.from(req.content).toString("base64") });
        return {};
      });
    },

    loadCodeFromUrl: async (req) => {
      const url = parseCodeUrl(req.url);
      return this.withWorker(req.id, async (worker) => {
        const code = decodeCode(await this.fetch(url.href));
        await this.reload(worker, code, { url: url.href });
        return {};
      });
    },
  };

  /** Stops every worker and kills their processes; persisted records stay for the next start. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.syncTimer);
    await this.ready;
    const workers = [...this.workers.values()];
    this.workers.clear();
    await Promise.allSettled(workers.map((worker) => worker.dispose()));
  }

  /** Runs `fn` on a known worker, serialized with other operations on it; NOT_FOUND otherwise. */
  private async withWorker<T>(id: string, fn: (worker: Worker) => Promise<T> | T): Promise<T> {
    await this.ready;
    return this.ops.run(id, async () => {
      const worker = this.workers.get(id);
      if (!worker) throw new ConnectError(`worker ${JSON.stringify(id)} not found`, Code.NotFound);
      return fn(worker);
    });
  }

  private async startWorker(worker: Worker): Promise<void> {
    if (worker.status === "RUNNING") return;
    await this.lifecycle.publish("starting", worker);
    worker.start();
    await worker.subscribed();
    this.deps.log.info("worker started", { id: worker.id, topic: worker.topic });
    await this.lifecycle.publish("online", worker);
  }

  private async stopWorker(worker: Worker): Promise<void> {
    if (worker.status === "STOPPED") return;
    await this.lifecycle.publish("stopping", worker);
    worker.stop();
    this.deps.log.info("worker stopped", { id: worker.id });
    await this.lifecycle.publish("stopped", worker);
  }

  private async reload(worker: Worker, code: string, source: StoredCodeSource): Promise<void> {
    try {
      await worker.engine.load(code);
    } catch (err) {
      throw this.loadFailure(err);
    }
    worker.addHistory(source);
    await this.store.save(worker.toRecord());
    this.deps.log.info("worker code loaded", { id: worker.id, version: worker.codeHistory.length });
    await this.lifecycle.publish("codeloaded", worker);
  }

  /** Starts an engine for a worker and loads its code; the worker is returned STOPPED. */
  private async buildWorker(
    record: Omit<WorkerRecord, "history">,
    history: WorkerRecord["history"],
    spec: EngineSpec,
    code: string,
  ): Promise<Worker> {
    const activity = new WorkerActivity(this.changes);
    const log = activity.tee(this.deps.log.child(`worker ${record.id.slice(0, 8)}`));
    const engine = new ChildEngine({
      spawn: spawnSpec(spec, this.options),
      env: workerEnv(record),
      startTimeoutMs: this.options.engineStartTimeoutMs,
      log,
      residentLimitBytes: residentLimitBytes(this.options.memoryLimitMb),
    });
    try {
      await engine.load(code);
    } catch (err) {
      await engine.dispose();
      throw this.loadFailure(err);
    }
    return new Worker(record, history, engine, spec, this.context, log, activity);
  }

  /** The current code of a persisted record (fetched again when it came from a URL). */
  private async codeOf(record: WorkerRecord): Promise<string> {
    const current = record.history[record.history.length - 1]?.codeSource ?? {};
    return current.url !== undefined
      ? decodeCode(await this.fetch(current.url))
      : decodeCode(Buffer.from(current.content ?? "", "base64"));
  }

  /** The local worker of a persisted record, built (STOPPED) when this emulator has none yet. */
  private async materialize(record: WorkerRecord): Promise<Worker> {
    const existing = this.workers.get(record.id);
    if (existing) return existing;
    const { history, status: _status, ...rest } = record;
    const worker = await this.buildWorker(rest, history, engineOf(record.mimeType), await this.codeOf(record));
    if (this.closed) {
      await worker.dispose();
      throw new Error("the WorkManager is shutting down");
    }
    this.workers.set(record.id, worker);
    this.registered.add(record.id);
    await this.lifecycle.publish("registered", worker);
    return worker;
  }

  /** {@link sync}, reporting instead of throwing (it runs in the background). */
  private async syncSafely(): Promise<number> {
    try {
      return await this.sync();
    } catch (err) {
      if (!this.closed)
        this.deps.log.warn("worker registry not read", { error: err instanceof Error ? err.message : String(err) });
      return 0;
    }
  }

  /**
   * Makes this emulator's workers follow the shared registry: every persisted worker runs here
   * too (a competing consumer of its topic, so each event is still processed once), in its
   * persisted status and code version; a worker deleted elsewhere is disposed. Returns how many
   * workers this emulator has taken from the registry.
   */
  private async sync(): Promise<number> {
    const readAt = Date.now();
    const records = await this.store.loadAll();
    let taken = 0;
    for (const record of records) {
      if (this.closed) return taken;
      await this.ops
        .run(record.id, async () => {
          const known = this.workers.get(record.id);
          const worker = await this.materialize(record);
          if (!known) taken += 1;
          else if (record.history.length > worker.codeHistory.length) {
            await worker.engine.load(await this.codeOf(record));
            worker.adoptHistory(record.history);
            this.deps.log.info("worker code reloaded from the registry", { id: worker.id, version: record.history.length });
          }
          // A change made here after the registry was read wins over what was read.
          if ((this.changedAt.get(record.id) ?? 0) >= readAt) return;
          if ((record.status ?? "RUNNING") === "RUNNING") await this.startWorker(worker);
          else await this.stopWorker(worker);
        })
        .catch((err: unknown) =>
          this.deps.log.warn("worker not taken from the registry", {
            id: record.id,
            error: err instanceof Error ? err.message : String(err),
          }),
        );
    }
    const present = new Set(records.map((r) => r.id));
    for (const id of [...this.registered]) {
      if (present.has(id) || (this.changedAt.get(id) ?? 0) >= readAt) continue;
      await this.ops.run(id, async () => {
        const worker = this.workers.get(id);
        this.registered.delete(id);
        this.workers.delete(id);
        if (worker) {
          await worker.dispose();
          this.deps.log.info("worker deleted through another emulator; disposed here", { id });
        }
      });
    }
    return taken;
  }

  /** Reloads persisted workers and sets every one RUNNING; returns how many. */
  private async recover(): Promise<number> {
    let count = 0;
    for (const record of await this.store.loadAll()) {
      if (this.closed) break;
      try {
        await this.ops.run(record.id, async () => {
          const worker = await this.materialize(record);
          await this.startWorker(worker);
          if (this.options.syncIntervalMs > 0) await this.store.save(worker.toRecord());
        });
        count += 1;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        this.deps.log.warn("worker not recovered", { id: record.id, error: message });
        await this.lifecycle.publish("failed", record, { type: "RecoveryFailed", message });
      }
    }
    return count;
  }

  private async resolveCode(source: CodeSource | undefined): Promise<{ code: string; source: StoredCodeSource }> {
    switch (source?.source.case) {
      case "content":
        return {
          code: decodeCode(source.source.value),
          source: { content: Buffer.from(source.source.value).toString("base64") },
        };
      case "url": {
        const url = parseCodeUrl(source.source.value);
        return { code: decodeCode(await this.fetch(url.href)), source: { url: url.href } };
      }
      default:
        throw new ConnectError("code_source is required (url or content)", Code.InvalidArgument);
    }
  }

  private fetch(url: string): Promise<Uint8Array> {
    this.deps.log.debug("fetching worker code", { url: describeUrl(new URL(url)) });
    return fetchCode(url, {
      allowedHosts: this.options.allowedCodeHosts,
      allowPrivate: this.options.allowPrivateCodeHosts,
      maxBytes: this.options.maxCodeBytes,
      timeoutMs: this.options.codeFetchTimeoutMs,
    });
  }

  private loadFailure(err: unknown): ConnectError {
    if (err instanceof EngineUnavailableError) return new ConnectError(err.message, Code.FailedPrecondition);
    if (err instanceof WorkerError)
      return new ConnectError(`the worker code failed to load: ${err.type}: ${err.message}`, Code.InvalidArgument);
    return ConnectError.from(err);
  }
}

function engineOf(mimeType: string): EngineSpec {
  const found = findEngine(mimeType);
  if (typeof found === "string") throw new ConnectError(found, Code.InvalidArgument);
  return found;
}

function decodeCode(content: Uint8Array): string {
  if (content.length === 0) throw new ConnectError("code content is empty", Code.InvalidArgument);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(content);
  } catch {
    throw new ConnectError("code content is not UTF-8 text", Code.InvalidArgument);
  }
}

function toProtoSource(source: StoredCodeSource): {
  source: { case: "url"; value: string } | { case: "content"; value: Uint8Array } | { case: undefined };
} {
  if (source.url !== undefined) return { source: { case: "url", value: source.url } };
  if (source.content !== undefined)
    return { source: { case: "content", value: new Uint8Array(Buffer.from(source.content, "base64")) } };
  return { source: { case: undefined } };
}

/** The complete environment of a worker process: nothing of the emulator's own but PATH and LANG. */
function workerEnv(record: Omit<WorkerRecord, "history">): Record<string, string> {
  return {
    PATH: process.env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin",
    LANG: process.env["LANG"] ?? "C.UTF-8",
    VIRTUFIN_WORKER_ID: record.id,
    VIRTUFIN_WORKER_TOPIC: record.topic,
    VIRTUFIN_WORKER_GROUP: record.group,
    VIRTUFIN_WORKER_MIME_TYPE: record.mimeType,
  };
}
