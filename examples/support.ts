/**
 * Where the examples connect. Each example runs against a running platform or emulator
 * (`npm run emulator` starts one with the default ports); the test suite points them at an
 * emulator on free ports through these variables (the seed's names where it has them).
 */

/** The Gateway (ApiClient): VIRTUFIN_API_HOST and VIRTUFIN_API_GRPC_PORT, default localhost:5002. */
export function apiEndpoint(): { host: string; port: number } {
  return { host: process.env.VIRTUFIN_API_HOST ?? "localhost", port: Number(process.env.VIRTUFIN_API_GRPC_PORT ?? 5002) };
}

/** The WorkManager: VIRTUFIN_WORKMANAGER_HOST and VIRTUFIN_WORKMANAGER_PORT, default localhost:5102. */
export function workManagerEndpoint(): { host: string; port: number } {
  return {
    host: process.env.VIRTUFIN_WORKMANAGER_HOST ?? process.env.VIRTUFIN_API_HOST ?? "localhost",
    port: Number(process.env.VIRTUFIN_WORKMANAGER_PORT ?? 5102),
  };
}

/**
 * Runs an example's main function. The process then ends by itself (every client is closed by
 * `await using`); exiting explicitly could cut off output still queued for a pipe. A process
 * still busy 5 s later has leaked a handle, which is reported and ends it with code 2.
 */
export function run(main: () => Promise<void>): void {
  main().then(
    () => {
      process.exitCode = 0;
      setTimeout(() => {
        console.error("the example finished but something kept the process alive");
        process.exit(2);
      }, 5_000).unref();
    },
    (error: unknown) => {
      console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
      process.exitCode = 1;
    },
  );
}
