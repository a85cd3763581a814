/**
 * The emulator's recent pub/sub traffic: every event on the bus ("*" subscription), the last
 * {@link EVENT_HISTORY_SIZE} kept, and listeners told of each new one. The inspector replays it to
 * a page that opens late, so the page sees requests published before it loaded.
 */
import type { BusEvent, BusSubscription, PubsubBackend } from "../backend/types.js";

/** How many recent events the emulator keeps for the inspector. */
export const EVENT_HISTORY_SIZE = 500;

/** A bounded log of recent bus events with live listeners. */
export class EventHistory {
  /** A ring: `events[next]` is the oldest once it is full (no array shifted on every event). */
  private readonly events: BusEvent[] = [];
  private next = 0;
  private readonly listeners = new Set<(event: BusEvent) => void>();
  private readonly subscription: BusSubscription;

  /** Starts recording every event of `pubsub`. */
  constructor(
    pubsub: PubsubBackend,
    private readonly size: number = EVENT_HISTORY_SIZE,
  ) {
    this.subscription = pubsub.subscribe("*", (event) => this.add(event));
  }

  /** The kept events, oldest first. */
  recent(): readonly BusEvent[] {
    return [...this.events.slice(this.next), ...this.events.slice(0, this.next)];
  }

  /** Adds a listener of new events; returns the function that removes it. */
  listen(listener: (event: BusEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops recording. */
  close(): void {
    this.subscription.close();
    this.listeners.clear();
  }

  private add(event: BusEvent): void {
    if (this.events.length < this.size) this.events.push(event);
    else if (this.size > 0) {
      this.events[this.next] = event;
      this.next = (this.next + 1) % this.size;
    }
    for (const listener of this.listeners) listener(event);
  }
}
