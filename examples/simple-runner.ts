/**
 * The seed's SimpleWorker (aio-fluid's worker lifecycle example) in TypeScript: a runner that
 * prints a message every 200 ms until it is gracefully stopped after about a second.
 *
 * Run: npx tsx examples/simple-runner.ts
 */
import { sleep, Runner } from "@virtufin/sdk";

/** Prints its name and state until it is asked to stop. */
class SimpleRunner extends Runner {
  protected async run(signal: AbortSignal): Promise<void> {
    while (this.isRunning()) {
      this.printMessage();
      // Unlike asyncio.sleep in the seed, this wakes at once when the runner is asked to stop.
      await sleep(200, signal);
    }
  }

  /** Says hello with the runner's name and current state. */
  printMessage(): void {
    console.log(`Hello from ${this.runnerName} in state ${this.state}`);
  }
}

const runner = new SimpleRunner();
runner.printMessage();
await runner.startup();
setTimeout(() => runner.gracefullyStop(), 1_000);
await runner.waitForShutdown();
runner.printMessage();
