/**
 * The engines the emulator runs: which MIME types it accepts and how each engine's child
 * process is started.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ResolvedWorkManagerOptions } from "./options.js";

/** One engine: a language and the child process that hosts its workers. */
export interface EngineSpec {
  /** The canonical MIME type, e.g. "text/x-python". */
  readonly mimeType: string;
  /** The display language reported in WorkerInfo.language. */
  readonly language: "Python" | "JavaScript";
}

/** The MIME types the emulator runs, mapped to their language. */
const ENGINES: Readonly<Record<string, EngineSpec["language"]>> = {
  "text/x-python": "Python",
  "text/javascript": "JavaScript",
  "application/javascript": "JavaScript",
};

/** MIME types of the real platform that the emulator knows but cannot run. */
const UNSUPPORTED = ["application/x-python", "text/x-csharp", "application/x-dotnet-dll", "application/x-native-dll"];

/** The MIME types the emulator runs. */
export const SUPPORTED_MIME_TYPES: readonly string[] = Object.keys(ENGINES);

/**
 * Finds the engine of a MIME type (case-insensitive, parameters such as `; charset=utf-8`
 * ignored). Returns a reason string when there is none, for an INVALID_ARGUMENT message.
 */
export function findEngine(mimeType: string): EngineSpec | string {
  const canonical = mimeType.split(";")[0]?.trim().toLowerCase() ?? "";
  if (canonical === "") return "mime_type is required";
  const language = ENGINES[canonical];
  if (language !== undefined) return { mimeType: canonical, language };
  const supported = SUPPORTED_MIME_TYPES.join(", ");
  if (UNSUPPORTED.includes(canonical)) {
    return `MIME type "${canonical}" is not supported by the emulator (it runs ${supported})`;
  }
  return `unknown MIME type "${canonical}" (supported: ${supported})`;
}

/** How to start a child process for an engine. */
export interface SpawnSpec {
  /** The executable as configured. */
  readonly command: string;
  /**
   * The executable to run: the configured one resolved to the real binary, so that wrappers
   * such as pyenv shims (which put their own variables into the environment) are bypassed.
   * Rejects with `code: "ENOENT"` when it is missing.
   */
  readonly resolve: () => Promise<string>;
  /** Its arguments. */
  readonly args: readonly string[];
  /** What to tell the user when the executable is missing. */
  readonly missingHint: string;
}

/** Builds the command line of an engine's host process. */
export function spawnSpec(engine: EngineSpec, options: ResolvedWorkManagerOptions): SpawnSpec {
  if (engine.language === "Python") {
    return {
      command: options.pythonCommand,
      resolve: () => resolvePython(options.pythonCommand),
      // -I: isolated mode (ignores PYTHON* variables and the user site, and keeps the script's
      // directory off sys.path); -u: unbuffered, so worker prints reach the log promptly.
      args: ["-I", "-u", hostScript("python-host.py"), String(options.memoryLimitMb)],
      missingHint:
        `"${options.pythonCommand}" was not found: the emulator runs text/x-python workers with python3. ` +
        "Install it (Debian/Ubuntu: apt-get install python3) or set the WorkManager option pythonCommand.",
    };
  }
  return {
    command: options.nodeCommand,
    resolve: async () => options.nodeCommand,
    // The heap cap is the memory limit; the host reads user code over its channel, never from disk.
    args: [`--max-old-space-size=${options.memoryLimitMb}`, hostScript("node-host.mjs")],
    missingHint: `"${options.nodeCommand}" was not found: the emulator runs JavaScript workers with Node.js.`,
  };
}

/**
 * Locates a host script: `hosts/` beside this module, in the source tree and in the built
 * package alike (the build copies them there).
 */
function hostScript(name: string): string {
  return fileURLToPath(new URL(`./hosts/${name}`, import.meta.url));
}

const resolvedPythons = new Map<string, Promise<string>>();

/**
 * Asks the interpreter for its real path (sys.executable), once per command. Only a missing
 * command is an error; any other probe failure falls back to running the command as given.
 */
function resolvePython(command: string): Promise<string> {
  let found = resolvedPythons.get(command);
  if (found === undefined) {
    found = new Promise<string>((resolve, reject) => {
      execFile(command, ["-I", "-c", "import sys; print(sys.executable)"], { timeout: 10_000 }, (err, stdout) => {
        if (err && (err as NodeJS.ErrnoException).code === "ENOENT") {
          resolvedPythons.delete(command);
          // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- an Error, which ExecFileException's Omit<> type hides
          reject(err);
          return;
        }
        const path = stdout.trim();
        resolve(!err && path !== "" && existsSync(path) ? path : command);
      });
    });
    resolvedPythons.set(command, found);
  }
  return found;
}
