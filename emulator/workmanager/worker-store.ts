/**
 * Persistence of worker configurations in the StateBackend, so RecoverWorkers (and start-up
 * recovery) can bring workers back.
 *
 * Layout, under the state service "workmanager": `workmanager.worker.<id>` holds one worker's
 * record as JSON (code content as base64), and `workmanager.workers` holds the JSON array of
 * ids. Both are registered keys, so `State.GetAll("workmanager")` shows them.
 */
import { EtagMismatch, type StateBackend } from "../backend/types.js";
import { Mutex } from "./mutex.js";

/** The state service name the WorkManager stores under. */
export const STATE_SERVICE = "workmanager";
/** The key of the id index. */
export const INDEX_KEY = "workmanager.workers";
/** The key of one worker's record. */
export const workerKey = (id: string): string => `workmanager.worker.${id}`;

/** A code source as persisted: `{ url }` or `{ content: <base64> }`. */
export interface StoredCodeSource {
  /** The URL code was fetched from. */
  readonly url?: string;
  /** The code, base64. */
  readonly content?: string;
}

/** One persisted worker. */
export interface WorkerRecord {
  /** The worker id (UUID). */
  readonly id: string;
  /** The canonical MIME type. */
  readonly mimeType: string;
  /** The topic consumed. */
  readonly topic: string;
  /** The group, or "". */
  readonly group: string;
  /** ISO-8601 creation time. */
  readonly createdAt: string;
  /** Every code source, oldest first (the last is current). */
  readonly history: readonly { readonly codeSource: StoredCodeSource; readonly createdAt: string }[];
  /**
   * Whether the worker should run (absent in records written before it existed: RUNNING).
   * Emulators sharing a backend follow it, so a worker stopped through one stops on all.
   */
  readonly status?: "RUNNING" | "STOPPED";
}

const MAX_INDEX_RETRIES = 20;

/** Reads and writes worker records. */
export class WorkerStore {
  private readonly indexLock = new Mutex();

  /** Wraps a state backend. */
  constructor(private readonly state: StateBackend) {}

  /** Writes a record and makes sure its id is in the index. */
  async save(record: WorkerRecord): Promise<void> {
    await this.state.set(STATE_SERVICE, workerKey(record.id), JSON.stringify(record));
    await this.state.registerKeys(STATE_SERVICE, [INDEX_KEY, workerKey(record.id)]);
    await this.updateIndex((ids) => (ids.includes(record.id) ? ids : [...ids, record.id]));
  }

  /** Deletes a record and its index entry. */
  async remove(id: string): Promise<void> {
    await this.updateIndex((ids) => ids.filter((other) => other !== id));
    await this.state.delete(STATE_SERVICE, workerKey(id));
  }

  /** Reads every indexed record (unreadable ones are skipped). */
  async loadAll(): Promise<WorkerRecord[]> {
    const records: WorkerRecord[] = [];
    for (const id of await this.readIndex()) {
      const entry = await this.state.get(STATE_SERVICE, workerKey(id));
      if (!entry) continue;
      try {
        records.push(JSON.parse(entry.value) as WorkerRecord);
      } catch {
        // A corrupt record is not recoverable; leave it for a human to inspect.
      }
    }
    return records;
  }

  private async readIndex(): Promise<string[]> {
    const entry = await this.state.get(STATE_SERVICE, INDEX_KEY);
    return parseIndex(entry?.value);
  }

  /** Read-modify-write of the index with etags, so emulators sharing a backend do not lose ids. */
  private async updateIndex(change: (ids: string[]) => string[]): Promise<void> {
    await this.indexLock.run(async () => {
      for (let attempt = 0; attempt < MAX_INDEX_RETRIES; attempt++) {
        const entry = await this.state.get(STATE_SERVICE, INDEX_KEY);
        const next = change(parseIndex(entry?.value));
        try {
          await this.state.set(STATE_SERVICE, INDEX_KEY, JSON.stringify(next), entry?.etag);
          return;
        } catch (err) {
          if (!(err instanceof EtagMismatch)) throw err;
        }
      }
      throw new Error("the worker index is being changed too often to update it");
    });
  }
}

function parseIndex(value: string | undefined): string[] {
  if (!value) return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === "string") : [];
  } catch {
    return [];
  }
}
