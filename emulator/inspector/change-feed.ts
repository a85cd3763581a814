/**
 * A tiny change notification: components call `notify()` when something an inspector shows has
 * changed; inspector streams listen and send a fresh snapshot.
 */

/** Listeners told that something changed (not what: they read a fresh snapshot). */
export class ChangeFeed {
  private readonly listeners = new Set<() => void>();

  /** Tells every listener. */
  notify(): void {
    for (const listener of this.listeners) listener();
  }

  /** Adds a listener; returns the function that removes it. */
  listen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
