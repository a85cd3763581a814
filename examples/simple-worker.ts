/**
 * The seed's SimpleWorker (aio-fluid's worker lifecycle example) in TypeScript: a worker that
 * prints a message every 200 ms until it is gracefully stopped after about a second.
 *
 * Run: npx tsx examples/simple-worker.ts
 */
import { sleep, Worker } from "@virtufin/sdk";

/** Prints its name and state until it is asked to stop. */
class SimpleWorker extends Worker {
  protected async run(signal: AbortSignal): Promise<void> {
    while (this.isRunning()) {
      this.printMessage();
      // Unlike asyncio.sleep in the seed, this wakes at once when the worker is asked to stop.
      await sleep(200, signal);
    }
  }

  /** Says hello with the worker's name and current state. */
  printMessage(): void {
    console.log(`Hello from ${this.workerName} in state ${this.state}`);
  }
}

const worker = new SimpleWorker();
worker.printMessage();
await worker.startup();
setTimeout(() => worker.gracefullyStop(), 1_000);
await worker.waitForShutdown();
worker.printMessage();
