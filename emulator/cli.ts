/**
 * The `virtufin-emulator` command: parses flags, starts the emulator, stops it on SIGINT/SIGTERM.
 * Exit status: 0 after a clean stop, 1 when the emulator cannot start, 2 for a bad command line.
 */
import { HELP, parseCli, UsageError, type CliCommand } from "./cli-args.js";
import { startEmulator } from "./emulator.js";
import { startOtlpTracing, type OtlpTracing } from "./otlp.js";

async function main(): Promise<number> {
  let command: CliCommand;
  try {
    command = parseCli(process.argv.slice(2));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`virtufin-emulator: ${err.message}\nRun \`virtufin-emulator --help\` for the options.\n`);
      return 2;
    }
    throw err;
  }
  if (command.help) {
    process.stdout.write(HELP);
    return 0;
  }
  let emulator;
  let tracing: OtlpTracing | undefined;
  try {
    if (command.otlpTracesUrl) {
      tracing = await startOtlpTracing(command.otlpTracesUrl);
      process.stderr.write(`virtufin-emulator: exporting traces to ${command.otlpTracesUrl}\n`);
    }
    emulator = await startEmulator({ ...command.options, ...(tracing ? { tracerProvider: tracing.tracerProvider } : {}) });
  } catch (err) {
    await tracing?.shutdown().catch(() => undefined);
    process.stderr.write(`virtufin-emulator: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  const running = emulator;
  process.stderr.write("virtufin-emulator: ready (Ctrl-C to stop)\n");
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        // A second signal while stopping: give up waiting.
        process.stderr.write(`virtufin-emulator: ${signal} again, exiting now\n`);
        process.exit(1);
      }
      stopping = true;
      process.stderr.write(`virtufin-emulator: ${signal} received, stopping\n`);
      // The last spans (the stop's own included) are sent before exiting.
      running.stop().then(
        async () => {
          await tracing
            ?.shutdown()
            .catch((err: unknown) => process.stderr.write(`virtufin-emulator: trace export failed: ${String(err)}\n`));
          resolve(0);
        },
        (err: unknown) => {
          process.stderr.write(`virtufin-emulator: stop failed: ${err instanceof Error ? err.message : String(err)}\n`);
          resolve(1);
        },
      );
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

process.exitCode = await main();
// Everything is closed by now; should a stray handle (a user's worker, a socket) keep the event
// loop alive, exit anyway rather than hang after "stopped".
setTimeout(() => process.exit(), 3_000).unref();
