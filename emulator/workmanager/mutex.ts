/**
 * A tiny async mutex, and a registry of them keyed by name.
 *
 * Used for group exclusion (workers of one group never run `Process` at the same time) and to
 * serialize control operations on one worker (start, stop, delete, reload).
 */

/** A FIFO async mutex: `run` executes its callback only when no other holder runs. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  private holders = 0;

  /** Runs `fn` exclusively and returns its result; waiters run in arrival order. */
  async run<T>(fn: () => Promise<T> | T): Promise<T> {
    this.holders += 1;
    let release!: () => void;
    const previous = this.tail;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    try {
      await previous;
      return await fn();
    } finally {
      this.holders -= 1;
      release();
    }
  }

  /** True while someone holds or waits for the mutex (lets a registry drop idle entries). */
  get busy(): boolean {
    return this.holders > 0;
  }
}

/** Mutexes created on demand per key and dropped when idle, so the map cannot grow unbounded. */
export class KeyedMutex {
  private readonly mutexes = new Map<string, Mutex>();

  /** Runs `fn` while holding the mutex of `key`. */
  async run<T>(key: string, fn: () => Promise<T> | T): Promise<T> {
    let mutex = this.mutexes.get(key);
    if (mutex === undefined) {
      mutex = new Mutex();
      this.mutexes.set(key, mutex);
    }
    try {
      return await mutex.run(fn);
    } finally {
      if (!mutex.busy && this.mutexes.get(key) === mutex) this.mutexes.delete(key);
    }
  }
}
