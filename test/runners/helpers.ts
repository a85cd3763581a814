/** Small test helpers for the runner tests: real runners, no mocks. */
import { RunnerState, type RunnerOptions } from "../../runtime/runners/types.js";
import { Runner } from "../../runtime/runners/runner.js";

/** A promise with its resolve function outside. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** How a {@link ScriptedRunner} behaves in `run`. */
export type RunScript =
  | "loop" // loops on isRunning() with short sleeps, returns when asked to stop
  | "await-signal" // waits for its stop signal, then returns
  | "throw-on-abort" // waits for its stop signal, then rejects with the abort reason
  | "fail" // throws at once
  | "exit" // returns at once
  | "ignore-stop" // ignores the stop signal, returns only when cancelled
  | "stuck"; // ignores everything, never returns

/** A runner whose run follows a script and which records its state transitions. */
export class ScriptedRunner extends Runner {
  readonly transitions: string[] = [];
  startupCalls = 0;
  shutdownCalls = 0;
  failStartup = false;
  startupDelayMs = 0;
  failure = new Error("boom");

  constructor(
    readonly script: RunScript,
    options: RunnerOptions = {},
  ) {
    super(options);
  }

  protected override onStateChange(from: RunnerState, to: RunnerState): void {
    this.transitions.push(`${from}->${to}`);
  }

  protected override async onStartup(): Promise<void> {
    this.startupCalls += 1;
    if (this.startupDelayMs > 0) await new Promise((r) => setTimeout(r, this.startupDelayMs));
    if (this.failStartup) throw new Error("startup failed");
  }

  protected override async onShutdown(): Promise<void> {
    this.shutdownCalls += 1;
  }

  protected override async run(signal: AbortSignal): Promise<void> {
    switch (this.script) {
      case "loop":
        for (let i = 0; i < 1_000 && this.isRunning(); i++) await new Promise((r) => setTimeout(r, 5));
        return;
      case "await-signal":
        await new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
        return;
      case "throw-on-abort":
        await new Promise<void>((_, reject) =>
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- an abort rejects with the signal's reason, as the platform's APIs do
          signal.addEventListener("abort", () => reject(signal.reason), { once: true }),
        );
        return;
      case "fail":
        throw this.failure;
      case "exit":
        return;
      case "ignore-stop":
        await new Promise<void>((resolve) => this.cancelSignal.addEventListener("abort", () => resolve(), { once: true }));
        return;
      case "stuck":
        await new Promise<void>(() => {});
    }
  }
}

/** Elapsed milliseconds of `fn`. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/** A logger that records its lines, to check what runners report. */
export function recordingLogger(): { lines: string[]; info(m: string): void; warn(m: string): void; error(m: string): void } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
}
