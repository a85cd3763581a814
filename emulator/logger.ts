/**
 * The emulator's logger: readable one-line records on stderr, filtered by level.
 *
 * Records never contain secrets: callers pass api key *names*, never key values.
 */

/** Log levels, most verbose first. */
export type LogLevel = "debug" | "info" | "warn" | "error" | "silent";

/** Structured fields attached to one record. */
export type LogFields = Readonly<Record<string, unknown>>;

/** What every emulator component logs through. */
export interface Logger {
  /** Details useful when debugging the emulator itself. */
  debug(message: string, fields?: LogFields): void;
  /** Normal operation: start-up lines, lifecycle changes. */
  info(message: string, fields?: LogFields): void;
  /** Something unexpected that the emulator recovered from. */
  warn(message: string, fields?: LogFields): void;
  /** A failure. */
  error(message: string, fields?: LogFields): void;
  /** A logger whose records carry a component name, e.g. `log.child("workmanager")`. */
  child(component: string): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** The lowest level written (default "info"). */
  readonly level?: LogLevel;
  /** Where records go (default: process.stderr). */
  readonly write?: (line: string) => void;
  /** Component name shown in brackets. */
  readonly component?: string;
}

/** Creates a logger writing `HH:MM:SS.mmm LEVEL [component] message key=value ...` lines. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const min = ORDER[options.level ?? "info"];
  const write = options.write ?? ((line: string) => process.stderr.write(line + "\n"));
  const make = (component: string | undefined): Logger => {
    const emit = (level: Exclude<LogLevel, "silent">, message: string, fields?: LogFields) => {
      if (ORDER[level] < min) return;
      const time = new Date().toISOString().slice(11, 23);
      const tag = component ? ` [${component}]` : "";
      const extra = fields ? formatFields(fields) : "";
      write(`${time} ${level.toUpperCase().padEnd(5)}${tag} ${message}${extra}`);
    };
    return {
      debug: (m, f) => emit("debug", m, f),
      info: (m, f) => emit("info", m, f),
      warn: (m, f) => emit("warn", m, f),
      error: (m, f) => emit("error", m, f),
      child: (name) => make(component ? `${component}/${name}` : name),
    };
  };
  return make(options.component);
}

/** Formats structured fields as ` key=value` pairs (values with spaces JSON-quoted). */
export function formatFields(fields: LogFields): string {
  let out = "";
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const text = typeof value === "string" ? value : value instanceof Error ? value.message : JSON.stringify(value);
    out += ` ${key}=${/\s/.test(text) ? JSON.stringify(text) : text}`;
  }
  return out;
}
