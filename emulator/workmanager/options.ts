/**
 * Options of the emulator's WorkManager and their defaults.
 */

/** How the WorkManager runs workers and fetches their code. Every field is optional. */
export interface WorkManagerOptions {
  /** The Python interpreter for `text/x-python` workers, looked up on PATH (default "python3"). */
  readonly pythonCommand?: string;
  /** The Node binary for JavaScript workers (default: the binary running the emulator). */
  readonly nodeCommand?: string;
  /** Time limit for one `Process` call; a worker that exceeds it is killed and restarted (default 30 s). */
  readonly messageTimeoutMs?: number;
  /** Time limit for a worker process to start and load its code (default 10 s). */
  readonly engineStartTimeoutMs?: number;
  /** Memory limit of each worker process in MiB (default 512). */
  readonly memoryLimitMb?: number;
  /** Attempts per event before it is dead-lettered (default 3). */
  readonly retryAttempts?: number;
  /** Delay before retry n (n = 0, 1, ...) is `retryBaseDelayMs × 2^n` (default 200 ms). */
  readonly retryBaseDelayMs?: number;
  /**
   * Hosts code URLs may point to: exact host names, `*.example.com` (any subdomain), or `*`
   * (any host). Default: none, so URL code is refused until hosts are listed.
   */
  readonly allowedCodeHosts?: readonly string[];
  /**
   * Allows code URLs resolving to private, loopback, link-local or metadata addresses: `true` for
   * every host, or a list of hosts (`name` or `name:port` as written in the URL, e.g.
   * `"127.0.0.1:8080"`) that may be private; each redirect hop is judged on its own. Off by
   * default (an SSRF guard); tests turn it on explicitly to serve code from 127.0.0.1.
   */
  readonly allowPrivateCodeHosts?: boolean | readonly string[];
  /** Largest code accepted from a URL, in bytes (default 1 MiB). */
  readonly maxCodeBytes?: number;
  /** Time limit for fetching code from a URL, redirects included (default 30 s). */
  readonly codeFetchTimeoutMs?: number;
  /** Reload the persisted workers (set RUNNING) when the service is created (default true). */
  readonly recoverOnStart?: boolean;
  /**
   * On a backend shared by several emulators: how often each one re-reads the worker registry
   * and follows it (runs every persisted worker in its persisted status). 0 (the default in
   * memory) turns this off; the emulator sets 1,000 ms on Redis. When on, it replaces
   * `recoverOnStart` (persisted statuses are followed, not all set RUNNING).
   */
  readonly syncIntervalMs?: number;
}

/** The options with every default filled in. */
export type ResolvedWorkManagerOptions = Required<WorkManagerOptions>;

/** Fills in the defaults of {@link WorkManagerOptions}. */
export function resolveWorkManagerOptions(options: WorkManagerOptions = {}): ResolvedWorkManagerOptions {
  return {
    pythonCommand: options.pythonCommand ?? "python3",
    nodeCommand: options.nodeCommand ?? process.execPath,
    messageTimeoutMs: positive(options.messageTimeoutMs, 30_000),
    engineStartTimeoutMs: positive(options.engineStartTimeoutMs, 10_000),
    memoryLimitMb: positive(options.memoryLimitMb, 512),
    retryAttempts: Math.max(1, Math.floor(options.retryAttempts ?? 3)),
    retryBaseDelayMs: Math.max(0, options.retryBaseDelayMs ?? 200),
    allowedCodeHosts: options.allowedCodeHosts ?? [],
    allowPrivateCodeHosts: options.allowPrivateCodeHosts ?? false,
    maxCodeBytes: positive(options.maxCodeBytes, 1024 * 1024),
    codeFetchTimeoutMs: positive(options.codeFetchTimeoutMs, 30_000),
    recoverOnStart: options.recoverOnStart ?? true,
    syncIntervalMs: Math.max(0, options.syncIntervalMs ?? 0),
  };
}

function positive(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}
