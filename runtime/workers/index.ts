/**
 * Workers with a lifecycle, the TypeScript counterpart of aio-fluid's workers: long-running tasks
 * that start, run until asked to stop, stop gracefully (or are cancelled after a grace period) and
 * report their status.
 *
 * - {@link Worker}: the abstract base; implement `run(signal)`. States INIT → RUNNING → STOPPING →
 *   STOPPED ({@link WorkerState}).
 * - {@link createWorker}: a worker from a function run once (e.g. a subscription loop).
 * - {@link WorkerFunction}: a function run over and over with a heartbeat.
 * - {@link QueueConsumer} / {@link QueueConsumerWorker}: a bounded inbox, consumed by a handler
 *   with a concurrency limit.
 * - {@link AsyncConsumer} / {@link AsyncDispatcher}: a queue consumer dispatching each message to
 *   the async callbacks registered for its type.
 * - {@link Workers}: a group with a stopping grace period, bail-out on failure, delayed and
 *   periodic callbacks (`registerCallback`) and an `onShutdown` hook.
 * - {@link stopOnSignals}: stop a worker or group on SIGINT/SIGTERM.
 *
 * Workers hold no timer of their own while they wait: what keeps the process alive is what they
 * wait on (a socket, a heartbeat). Every timer they do use is cleared when its wait ends, and
 * `stopOnSignals` removes its listeners once the worker has stopped.
 *
 * The seed's SimpleWorker, in TypeScript:
 *
 * @example
 * ```ts
 * import { Worker, sleep } from "./runtime/workers/index.js";
 *
 * class SimpleWorker extends Worker {
 *   protected async run(signal: AbortSignal) {
 *     while (this.isRunning()) {
 *       this.printMessage();
 *       await sleep(1_000, signal); // wakes at once when the worker is asked to stop
 *     }
 *   }
 *   printMessage() {
 *     console.log(`Hello from ${this.workerName} in state ${this.state}`);
 *   }
 * }
 *
 * const worker = new SimpleWorker();
 * worker.printMessage();                          // ... in state init
 * await worker.startup();
 * setTimeout(() => worker.gracefullyStop(), 5_000);
 * await worker.waitForShutdown();
 * worker.printMessage();                          // ... in state stopped
 * ```
 *
 * @module
 */
export { WorkerState, silentLogger, type WorkerLogger, type WorkerOptions, type LifecycleStatus } from "./types.js";
export {
  MessageHandlerError,
  QueueClosedError,
  QueueFullError,
  WorkerLifecycleError,
  WorkersError,
  type WorkerFailure,
} from "./errors.js";
export { sleep } from "./sleep.js";
export { Worker } from "./worker.js";
export { createWorker, type CreateWorkerOptions, type WorkerRun } from "./create-worker.js";
export { WorkerFunction, type WorkerFunctionBody, type WorkerFunctionOptions, type WorkerFunctionStatus } from "./worker-function.js";
export { BoundedQueue, type QueueWaitOptions } from "./bounded-queue.js";
export {
  DEFAULT_QUEUE_CAPACITY,
  QueueConsumer,
  type QueueConsumerOptions,
  type QueueConsumerStatus,
} from "./queue-consumer.js";
export {
  QueueConsumerWorker,
  type MessageHandler,
  type QueueConsumerWorkerOptions,
  type QueueConsumerWorkerStatus,
  type StopMode,
} from "./queue-consumer-worker.js";
export {
  DEFAULT_CANCEL_GRACE_PERIOD_MS,
  DEFAULT_STOPPING_GRACE_PERIOD_MS,
  Workers,
  type BailOut,
  type WorkersOptions,
  type WorkersStatus,
} from "./workers.js";
export { AsyncDispatcher, CallbackError, type AsyncCallback, type DispatchResult } from "./async-dispatcher.js";
export { AsyncConsumer, type AsyncConsumerOptions, type AsyncConsumerStatus } from "./async-consumer.js";
export type { CallbackOptions, GroupCallback } from "./group-callbacks.js";
export { DEFAULT_STOP_SIGNALS, stopOnSignals, type SignalsDisposer, type StopOnSignalsOptions } from "./signals.js";
