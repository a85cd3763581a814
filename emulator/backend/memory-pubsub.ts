/**
 * In-memory PubsubBackend.
 *
 * Delivery rules:
 * - Plain subscribers (no `queue`) of a topic each receive every event (fan-out), in publish
 *   order. A `"*"` subscriber receives every event of every topic.
 * - Subscribers sharing a `queue` on a topic form a competing-consumer group: each event goes to
 *   exactly one member, round robin among the members that are ready. A member is busy from the
 *   moment it is handed an event until the promise its listener returned settles (one in-flight
 *   event per member). Every group of a topic receives its own copy of each event.
 * - Events for a group with no ready member wait in the group's buffer, FIFO, until a member is
 *   ready. The buffer is bounded (`maxQueueBuffer`, default 10,000 events per group); when it is
 *   full the OLDEST event is dropped with a warning, so a group that stopped consuming cannot
 *   grow memory without bound. A group keeps its buffer when its last member leaves, so events
 *   published while a consumer restarts are not lost.
 */
import type { Logger } from "../logger.js";
import { busEvent } from "./bus-event.js";
import type { BusEvent, BusListener, BusSubscription, PubsubBackend, SubscribeOptions } from "./types.js";

/** Options of {@link createMemoryPubsubBackend}. */
export interface MemoryPubsubOptions {
  /** Events buffered per competing-consumer group before the oldest is dropped (default 10,000). */
  readonly maxQueueBuffer?: number;
  /** Where listener failures and dropped events are reported. */
  readonly log?: Logger;
}

/** The default bound of a competing-consumer group's buffer. */
export const DEFAULT_MAX_QUEUE_BUFFER = 10_000;

interface Member {
  readonly listener: BusListener;
  busy: boolean;
  closed: boolean;
}

interface QueueGroup {
  readonly name: string;
  readonly topic: string;
  members: Member[];
  next: number;
  readonly buffer: BusEvent[];
}

interface TopicSubscribers {
  readonly fanout: Set<Member>;
  readonly groups: Map<string, QueueGroup>;
}

/** Creates an in-memory pub/sub backend (see the module comment for the delivery rules). */
export function createMemoryPubsubBackend(options: MemoryPubsubOptions = {}): PubsubBackend {
  const maxBuffer = Math.max(1, options.maxQueueBuffer ?? DEFAULT_MAX_QUEUE_BUFFER);
  const log = options.log;
  const topics = new Map<string, TopicSubscribers>();
  let closed = false;

  const entry = (topic: string): TopicSubscribers => {
    let found = topics.get(topic);
    if (found === undefined) {
      found = { fanout: new Set(), groups: new Map() };
      topics.set(topic, found);
    }
    return found;
  };

  const warnFailed = (event: BusEvent, err: unknown): void => {
    log?.warn("subscriber failed", {
      topic: event.topic,
      id: event.id,
      error: err instanceof Error ? err.message : String(err),
    });
  };

  // Runs a listener so that one failing subscriber cannot disturb delivery to the others: a
  // throw or a rejection is logged. Returns the listener's promise (never rejecting), or
  // undefined for a listener that finished at once — most do (they queue the event), and a
  // promise per listener per event would be garbage on the emulator's busiest path.
  const run = (listener: BusListener, event: BusEvent): Promise<void> | undefined => {
    try {
      const result = listener(event);
      return result === undefined ? undefined : Promise.resolve(result).catch((err: unknown) => warnFailed(event, err));
    } catch (err) {
      warnFailed(event, err);
      return undefined;
    }
  };
  const invoke = (listener: BusListener, event: BusEvent): Promise<void> => run(listener, event) ?? Promise.resolve();

  /** Hands `event` to every open member of a fan-out set, snapshotting it: a listener may subscribe or unsubscribe. */
  const fanOut = (members: Set<Member> | undefined, event: BusEvent): void => {
    if (members === undefined || members.size === 0) return;
    for (const member of [...members]) if (!member.closed) void run(member.listener, event);
  };

  const pump = (group: QueueGroup): void => {
    while (group.buffer.length > 0) {
      const count = group.members.length;
      let chosen: Member | undefined;
      for (let i = 0; i < count; i++) {
        const candidate = group.members[(group.next + i) % count];
        if (candidate && !candidate.busy && !candidate.closed) {
          chosen = candidate;
          group.next = (group.next + i + 1) % count;
          break;
        }
      }
      if (chosen === undefined) return;
      const event = group.buffer.shift() as BusEvent;
      const member = chosen;
      member.busy = true;
      void invoke(member.listener, event).then(() => {
        member.busy = false;
        if (!member.closed) pump(group);
      });
    }
  };

  const enqueue = (group: QueueGroup, event: BusEvent): void => {
    if (group.buffer.length >= maxBuffer) {
      const dropped = group.buffer.shift();
      log?.warn("queue buffer full, dropped the oldest event", {
        topic: group.topic,
        queue: group.name,
        id: dropped?.id,
        max: maxBuffer,
      });
    }
    group.buffer.push(event);
    pump(group);
  };

  return {
    async publish(topic, data, metadata) {
      if (closed) throw new Error("pub/sub backend is closed");
      const event = busEvent(topic, data, metadata);
      const subs = topics.get(topic);
      fanOut(subs?.fanout, event);
      if (topic !== "*") fanOut(topics.get("*")?.fanout, event);
      if (subs !== undefined && subs.groups.size > 0) for (const group of [...subs.groups.values()]) enqueue(group, event);
      return event;
    },

    subscribe(topic: string, listener: BusListener, opts: SubscribeOptions = {}): BusSubscription {
      if (closed) throw new Error("pub/sub backend is closed");
      const member: Member = { listener, busy: false, closed: false };
      const subs = entry(topic);
      const queue = opts.queue ?? "";
      if (queue === "") {
        subs.fanout.add(member);
        return {
          close() {
            member.closed = true;
            subs.fanout.delete(member);
          },
        };
      }
      if (topic === "*") throw new Error('the "*" subscription is fan-out only; it takes no queue');
      let group = subs.groups.get(queue);
      if (group === undefined) {
        group = { name: queue, topic, members: [], next: 0, buffer: [] };
        subs.groups.set(queue, group);
      }
      const g = group;
      g.members.push(member);
      pump(g);
      return {
        close() {
          if (member.closed) return;
          member.closed = true;
          const index = g.members.indexOf(member);
          if (index >= 0) {
            g.members.splice(index, 1);
            if (g.next > index) g.next -= 1;
            if (g.members.length > 0) g.next %= g.members.length;
            else g.next = 0;
          }
        },
      };
    },

    async close() {
      closed = true;
      for (const subs of topics.values()) {
        for (const member of subs.fanout) member.closed = true;
        for (const group of subs.groups.values()) {
          for (const member of group.members) member.closed = true;
          group.buffer.length = 0;
        }
      }
      topics.clear();
    },
  };
}
