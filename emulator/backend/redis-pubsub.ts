/**
 * PubsubBackend on Redis Streams: one stream per topic, so every replica sees every event, with
 * the same ids, in the same order.
 *
 * - Fan-out subscribers each read the topic's stream from their own position (a blocking XREAD
 *   on a connection of their own), so a subscription can start after any retained event
 *   (`resumeAfter`, the resume of a client that reconnected, possibly to another replica).
 * - Queue subscribers are members of a Redis consumer group (see redis-consumer.ts).
 * - `"*"` subscribers (Gateway event streams) receive a copy of every event over one Redis
 *   pub/sub channel: live only, never replayed.
 * - Retention: each stream is trimmed to about `maxLen` events (XADD MAXLEN ~) and expires when
 *   nothing was published to it for `idleExpiryMs`.
 */
import type { Redis } from "ioredis";
import type { Logger } from "../logger.js";
import { sleep } from "@virtufin/sdk";
import { retryDelay } from "@virtufin/sdk/internal";
import { consumeGroup, type ConsumerOptions } from "./redis-consumer.js";
import { busEvent } from "./bus-event.js";
import { guarded, RECONNECT_POLICY, waitReady, type RawEntry, type RedisAddress } from "./redis-connection.js";
import { ALL_EVENTS_CHANNEL, decodeEntry, decodeFrame, PUBLISH_SCRIPT, streamKey } from "./redis-stream-codec.js";
import type { BusEvent, BusListener, BusSubscription, PubsubBackend, SubscribeOptions } from "./types.js";

/** Retention and delivery settings of the Redis pub/sub backend. */
export interface RedisPubsubOptions extends ConsumerOptions {
  /** Events kept per topic, approximately (default 10,000). */
  readonly maxLen: number;
  /** A topic nothing was published to for this long is deleted (default 24 h; 0: never). */
  readonly idleExpiryMs: number;
}

/** The default approximate number of events kept per topic. */
export const DEFAULT_MAX_LEN = 10_000;
/** The default idle expiry of a topic's stream. */
export const DEFAULT_IDLE_EXPIRY_MS = 24 * 60 * 60_000;

/** How far back a resume looks for the given id, per XREVRANGE call. */
const SCAN_BATCH = 500;
/** How long a new connection may take before a subscription reports UNAVAILABLE. */
const CONNECT_WAIT_MS = 5_000;
/** How far before a resume id's newest copy an older copy (a retried publish) is looked for. */
const DUPLICATE_WINDOW_MS = 60_000;
/** How long one blocking read waits before it loops (lets a closed reader notice). */
const BLOCK_MS = 2_000;

interface PublishCommand {
  virtufinPublish(
    stream: string,
    maxLen: number,
    id: string,
    meta: string,
    data: Buffer,
    channel: string,
    topic: string,
    expiry: number,
  ): Promise<string>;
}

/** Everything the pub/sub backend is built on. */
export interface RedisPubsubDeps {
  /** The shared, non-blocking client. */
  readonly redis: Redis;
  /** Its address, for messages. */
  readonly address: RedisAddress;
  /** This replica's id (consumer names). */
  readonly replicaId: string;
  /** Where failures are reported. */
  readonly log: Logger;
}

/** Creates the pub/sub backend. */
export function createRedisPubsubBackend(deps: RedisPubsubDeps, options: RedisPubsubOptions): PubsubBackend {
  const { redis, address, log } = deps;
  redis.defineCommand("virtufinPublish", { numberOfKeys: 1, lua: PUBLISH_SCRIPT });
  const commands = redis as unknown as PublishCommand;
  const open = new Set<BusSubscription>();
  const allListeners = new Set<BusListener>();
  let allChannel: { client: Redis; ready: Promise<void> } | undefined;
  let closed = false;

  const deliver = (listener: BusListener, event: BusEvent) => {
    try {
      void Promise.resolve(listener(event)).catch((err: unknown) =>
        log.warn("subscriber failed", { topic: event.topic, id: event.id, error: String(err) }),
      );
    } catch (err) {
      log.warn("subscriber failed", { topic: event.topic, id: event.id, error: String(err) });
    }
  };

  /** The one subscriber connection of this replica to the all-events channel. */
  const channel = () => {
    if (allChannel) return allChannel;
    const client = redis.duplicate();
    client.on("error", () => undefined);
    client.on("messageBuffer", (_channel: Buffer, frame: Buffer) => {
      const event = decodeFrame(frame);
      for (const listener of [...allListeners]) deliver(listener, event);
    });
    // ioredis re-subscribes by itself after a reconnect.
    const ready = guarded(address, async () => {
      await waitReady(client, address, CONNECT_WAIT_MS);
      await client.subscribe(ALL_EVENTS_CHANNEL);
    });
    const entry = { client, ready };
    ready.catch(() => {
      // Not subscribed: the next "*" subscriber tries again on a fresh connection.
      if (allChannel === entry) allChannel = undefined;
      client.disconnect();
    });
    allChannel = entry;
    return entry;
  };

  /**
   * The stream position to read after, and the id of the event there: the last event now, or
   * the event `resumeAfter` names, or the start.
   *
   * An id can be in a stream twice: a publisher that retries a publish whose answer it lost sends
   * the same `ce-id` again, with other events in between. Resuming after the newer copy would skip
   * those, so the scan goes on for DUPLICATE_WINDOW_MS of older entries and resumes after the
   * oldest copy: the client then sees a few events again, which its de-duplication drops.
   */
  const locate = async (key: string, resumeAfter: string | undefined): Promise<{ position: string; lastId: string }> => {
    if (resumeAfter === "0") return { position: "0-0", lastId: "0" };
    let end = "+";
    let match: string | undefined;
    let horizon = 0;
    const millis = (position: string) => Number(position.slice(0, position.indexOf("-")));
    scan: for (;;) {
      const batch = (await redis.callBuffer("XREVRANGE", key, end, "-", "COUNT", String(SCAN_BATCH))) as RawEntry[];
      if (batch.length === 0) break;
      if (resumeAfter === undefined) {
        const newest = decodeEntry("", batch[0]!);
        return { position: newest.position, lastId: newest.event.id };
      }
      for (const entry of batch) {
        const found = decodeEntry("", entry);
        if (match !== undefined && millis(found.position) < horizon) break scan;
        if (found.event.id !== resumeAfter) continue;
        if (match === undefined) horizon = millis(found.position) - DUPLICATE_WINDOW_MS;
        match = found.position;
      }
      if (batch.length < SCAN_BATCH) break;
      end = `(${batch[batch.length - 1]![0].toString()}`;
    }
    if (match !== undefined) return { position: match, lastId: resumeAfter! };
    // Not retained (or never seen here): deliver everything retained rather than lose events.
    if (resumeAfter !== undefined)
      log.info("resume id not retained, resuming from the oldest event", { stream: key, resumeAfter });
    return { position: "0-0", lastId: "0" };
  };

  const fanOut = (topic: string, listener: BusListener, resumeAfter: string | undefined): BusSubscription => {
    const key = streamKey(topic);
    const stop = new AbortController();
    const reader = redis.duplicate();
    reader.on("error", () => undefined);
    const first = guarded(address, () => locate(key, resumeAfter));
    first.catch(() => undefined);
    const loop = async () => {
      let start: { position: string } | undefined;
      let failures = 0;
      while (!stop.signal.aborted) {
        try {
          start ??= failures === 0 ? await first : await locate(key, resumeAfter);
          const reply = (await reader.callBuffer(
            "XREAD",
            "COUNT",
            "500",
            "BLOCK",
            String(BLOCK_MS),
            "STREAMS",
            key,
            start.position,
          )) as [Buffer, RawEntry[]][] | null;
          failures = 0;
          for (const entry of reply?.[0]?.[1] ?? []) {
            if (stop.signal.aborted) return;
            const read = decodeEntry(topic, entry);
            start = { position: read.position };
            deliver(listener, read.event);
          }
        } catch {
          if (stop.signal.aborted) return;
          // Redis is away: keep the position and read on once it is back.
          failures += 1;
          await sleep(Math.max(50, retryDelay(RECONNECT_POLICY, Math.min(failures, 10))), stop.signal);
        }
      }
    };
    void loop();
    const ready = first.then((found) => found.lastId);
    // A subscriber that never looks at `ready` must not cause an unhandled rejection.
    ready.catch(() => undefined);
    const sub: BusSubscription = {
      ready,
      close() {
        if (stop.signal.aborted) return;
        stop.abort();
        reader.disconnect();
        open.delete(sub);
      },
    };
    return sub;
  };

  return {
    resumable: true,

    async publish(topic, data, metadata) {
      if (closed) throw new Error("pub/sub backend is closed");
      const event = busEvent(topic, data, metadata);
      await guarded(address, () =>
        commands.virtufinPublish(
          streamKey(topic),
          options.maxLen,
          event.id,
          JSON.stringify(event.metadata),
          Buffer.from(data),
          ALL_EVENTS_CHANNEL,
          topic,
          options.idleExpiryMs,
        ),
      );
      return event;
    },

    subscribe(topic: string, listener: BusListener, opts: SubscribeOptions = {}): BusSubscription {
      if (closed) throw new Error("pub/sub backend is closed");
      const queue = opts.queue ?? "";
      let sub: BusSubscription;
      if (topic === "*") {
        if (queue !== "") throw new Error('the "*" subscription is fan-out only; it takes no queue');
        allListeners.add(listener);
        const ready = channel().ready.then(() => "0");
        ready.catch(() => undefined);
        sub = {
          ready,
          close() {
            allListeners.delete(listener);
            open.delete(sub);
          },
        };
      } else if (queue !== "") {
        sub = consumeGroup({
          ...deps,
          key: streamKey(topic),
          topic,
          group: queue,
          listener,
          options,
          onClose: () => open.delete(sub),
        });
      } else {
        sub = fanOut(topic, listener, opts.resumeAfter);
      }
      open.add(sub);
      return sub;
    },

    async close() {
      closed = true;
      for (const sub of [...open]) sub.close();
      allListeners.clear();
      allChannel?.client.disconnect();
      allChannel = undefined;
    },
  };
}
