/**
 * What the WorkManager counts for each worker for the inspector: processed, failed, retried and
 * dead-lettered events, and the worker's most recent log lines (a bounded ring).
 */
import { formatFields, type LogFields, type Logger, type LogLevel } from "../logger.js";
import type { ChangeFeed } from "./change-feed.js";

/** How many log lines a worker keeps for the inspector. */
export const WORKER_LOG_LINES = 100;

/** Counters and recent log lines of one worker. */
export class WorkerActivity {
  /** Events processed successfully. */
  processed = 0;
  /** Failed attempts. */
  failed = 0;
  /** Attempts that retried an earlier failure. */
  retried = 0;
  /** Events dead-lettered. */
  deadLettered = 0;
  private readonly lines: string[] = [];

  /** Creates the record; `changes` (if any) is told about every update. */
  constructor(private readonly changes?: ChangeFeed) {}

  /** The recent log lines, oldest first. */
  get logLines(): readonly string[] {
    return this.lines;
  }

  /** Counts an outcome. */
  count(what: "processed" | "failed" | "retried" | "deadLettered"): void {
    this[what] += 1;
    this.changes?.notify();
  }

  /** Keeps one log line, dropping the oldest beyond {@link WORKER_LOG_LINES}. */
  record(level: Exclude<LogLevel, "silent">, message: string, fields?: LogFields): void {
    const time = new Date().toISOString().slice(11, 23);
    this.lines.push(`${time} ${level.toUpperCase()} ${message}${fields ? formatFields(fields) : ""}`);
    if (this.lines.length > WORKER_LOG_LINES) this.lines.splice(0, this.lines.length - WORKER_LOG_LINES);
    this.changes?.notify();
  }

  /**
   * A logger that writes through `base` (filtered by its level as before) and also keeps every
   * record here, whatever the level: a person inspecting a worker wants its output even when
   * the emulator's console is quiet.
   */
  tee(base: Logger): Logger {
    return {
      debug: (m, f) => (this.record("debug", m, f), base.debug(m, f)),
      info: (m, f) => (this.record("info", m, f), base.info(m, f)),
      warn: (m, f) => (this.record("warn", m, f), base.warn(m, f)),
      error: (m, f) => (this.record("error", m, f), base.error(m, f)),
      child: (name) => this.tee(base.child(name)),
    };
  }
}
