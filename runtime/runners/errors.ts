/**
 * The errors runners throw. They are plain `Error` subclasses (not `VirtufinError`): they report
 * misuse or local failures, never a platform status.
 */

/** A lifecycle call made in the wrong state, e.g. `startup()` on a runner that already started. */
export class RunnerLifecycleError extends Error {
  override readonly name = "RunnerLifecycleError";
}

/** `send()` gave up waiting for room in a full queue (its `timeoutMs` elapsed). */
export class QueueFullError extends Error {
  override readonly name = "QueueFullError";
}

/**
 * The queue no longer accepts messages because its consumer is stopping or stopped. The message
 * passed to `send()` was NOT accepted: the caller still owns it.
 */
export class QueueClosedError extends Error {
  override readonly name = "QueueClosedError";
}

/**
 * `onMessage` threw for a message; `data` is that message, so that it is never lost with the
 * error. The original error is the `cause`.
 */
export class MessageHandlerError<T = unknown> extends Error {
  override readonly name = "MessageHandlerError";
  /** The message whose handler failed. */
  readonly data: T;

  /** @param runnerName the consumer that failed; @param data the message; @param cause the handler's error */
  constructor(runnerName: string, data: T, cause: unknown) {
    super(`${runnerName}: onMessage failed: ${errorMessage(cause)}`, { cause });
    this.data = data;
  }
}

/** One runner of a group that failed, and its error. */
export interface RunnerFailure {
  /** The failed runner's name. */
  readonly name: string;
  /** What it threw. */
  readonly error: unknown;
}

/**
 * A group of runners ended badly: some of its runners failed (`failures`, also in `errors`) and/or
 * some did not stop even after being cancelled (`notStopped`, their names).
 */
export class RunnersError extends AggregateError {
  override readonly name = "RunnersError";
  /** The runners that failed, with their errors. */
  readonly failures: readonly RunnerFailure[];
  /** The names of the runners still running after the grace period and cancellation. */
  readonly notStopped: readonly string[];

  /** @param groupName the group; @param failures failed runners; @param notStopped runners that did not stop */
  constructor(groupName: string, failures: readonly RunnerFailure[], notStopped: readonly string[]) {
    const parts: string[] = [];
    if (failures.length > 0) {
      parts.push(`failed: ${failures.map((f) => `${f.name} (${errorMessage(f.error)})`).join(", ")}`);
    }
    if (notStopped.length > 0) parts.push(`did not stop: ${notStopped.join(", ")}`);
    super(
      failures.map((f) => f.error),
      `${groupName}: ${parts.join("; ") || "runners error"}`,
    );
    this.failures = failures;
    this.notStopped = notStopped;
  }
}

/** The message of anything thrown, for log lines and status snapshots. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
