/**
 * Queue subscribers on Redis: members of a consumer group of the topic's stream, competing for
 * its events across every replica.
 *
 * Each member holds one event at a time (XREADGROUP COUNT 1) and acknowledges it (XACK) only
 * once its listener's promise resolves — for a worker, after the result was published or the
 * event dead-lettered. A listener that rejects leaves the event pending. While an event is being
 * processed the member keeps claiming it (XCLAIM JUSTID) so it never looks idle; the events of a
 * member that died (a replica SIGKILLed) go idle and are claimed by any live member after
 * `claimIdleMs` (XAUTOCLAIM). Members gone for good are removed from the group once they hold no
 * event.
 */
import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { Logger } from "../logger.js";
import { retryDelay } from "@virtufin/sdk/internal";
import { sleep } from "@virtufin/sdk";
import { isReplyError, RECONNECT_POLICY, type RawEntry, type RedisAddress } from "./redis-connection.js";
import { decodeEntry } from "./redis-stream-codec.js";
import type { BusListener, BusSubscription } from "./types.js";

/** Consumer-group settings. */
export interface ConsumerOptions {
  /** An event pending this long without its member touching it is claimed by another (default 5,000 ms). */
  readonly claimIdleMs: number;
}

/** The default idle time after which a pending event is claimed. */
export const DEFAULT_CLAIM_IDLE_MS = 5_000;

/** A member idle this long with nothing pending is removed from its group. */
const DEAD_MEMBER_MS = 60_000;
/** How long one blocking read waits before the member looks for idle events again. */
const BLOCK_MS = 1_000;

/** What a member is made of. */
export interface ConsumerDeps {
  /** The shared client (acks, claims). */
  readonly redis: Redis;
  /** Its address. */
  readonly address: RedisAddress;
  /** This replica's id: the prefix of member names. */
  readonly replicaId: string;
  /** Where failures go. */
  readonly log: Logger;
  /** The topic's stream. */
  readonly key: string;
  /** The topic. */
  readonly topic: string;
  /** The group (the queue name). */
  readonly group: string;
  /** Receives each event; its promise is the acknowledgement. */
  readonly listener: BusListener;
  /** Settings. */
  readonly options: ConsumerOptions;
  /** Called once when the member is closed. */
  readonly onClose: () => void;
}

/** Joins the group as a new member and consumes until closed. */
export function consumeGroup(deps: ConsumerDeps): BusSubscription {
  const { redis, key, group, log } = deps;
  const consumer = `${deps.replicaId}/${randomUUID().slice(0, 8)}`;
  const stop = new AbortController();
  const reader = redis.duplicate();
  reader.on("error", () => undefined);
  const claimEveryMs = Math.max(100, Math.floor(deps.options.claimIdleMs / 2));

  const ensureGroup = async () => {
    try {
      // "$": like the in-memory queue, a group receives the events published once it exists.
      await redis.xgroup("CREATE", key, group, "$", "MKSTREAM");
    } catch (err) {
      if (!(isReplyError(err) && String(err).includes("BUSYGROUP"))) throw err;
    }
  };

  /** Takes over one event idle for too long (its member died), if there is one. */
  const claimOne = async (): Promise<RawEntry | undefined> => {
    const reply = (await redis.callBuffer(
      "XAUTOCLAIM",
      key,
      group,
      consumer,
      String(deps.options.claimIdleMs),
      "0-0",
      "COUNT",
      "1",
    )) as [Buffer, (RawEntry | null)[]];
    const entry = reply[1]?.find((e): e is RawEntry => Array.isArray(e) && e[1] !== null);
    if (entry) log.info("claimed an idle event", { topic: deps.topic, group, consumer, id: entry[0].toString() });
    return entry;
  };

  /** Removes members that hold nothing and were not seen for a long time (dead replicas). */
  const forgetDeadMembers = async () => {
    const members = (await redis.xinfo("CONSUMERS", key, group)) as unknown[][];
    for (const fields of members) {
      const info = new Map<string, unknown>();
      for (let i = 0; i + 1 < fields.length; i += 2) info.set(String(fields[i]), fields[i + 1]);
      const name = String(info.get("name"));
      if (name !== consumer && Number(info.get("pending")) === 0 && Number(info.get("idle")) > DEAD_MEMBER_MS) {
        await redis.xgroup("DELCONSUMER", key, group, name);
      }
    }
  };

  const acknowledge = async (id: string) => {
    // Keep trying through a Redis restart; a lost ack only means the event is processed again.
    for (let attempt = 1; attempt <= 20; attempt++) {
      // The backend was closed: the event stays pending and is claimed by another replica.
      if (redis.status === "end") return;
      try {
        await redis.xack(key, group, id);
        return;
      } catch {
        await sleep(Math.max(50, retryDelay(RECONNECT_POLICY, Math.min(attempt, 10))));
      }
    }
    log.warn("event not acknowledged; it will be processed again", { topic: deps.topic, group, id });
  };

  const process = async (entry: RawEntry) => {
    const { position, event } = decodeEntry(deps.topic, entry);
    // Touch the event while it is processed, so no other member takes it as abandoned.
    const heartbeat = setInterval(
      () => {
        redis.xclaim(key, group, consumer, 0, position, "JUSTID").catch(() => undefined);
      },
      Math.max(50, Math.floor(deps.options.claimIdleMs / 3)),
    );
    let done = false;
    try {
      await deps.listener(event);
      done = true;
    } catch (err) {
      log.warn("event not processed; left pending for another attempt", {
        topic: deps.topic,
        group,
        id: event.id,
        error: err instanceof Error ? err.message : String(err),
      });
    } finally {
      clearInterval(heartbeat);
    }
    if (done) await acknowledge(position);
  };

  // The group exists once `ready` settles: events published from then on reach it.
  const created = ensureGroup();
  const ready = created.then(() => "0");
  ready.catch(() => undefined);

  const loop = async () => {
    let failures = 0;
    let lastClaim = 0;
    let claims = 0;
    let grouped = await created.then(
      () => true,
      () => false,
    );
    while (!stop.signal.aborted) {
      try {
        if (!grouped) {
          await ensureGroup();
          grouped = true;
        }
        let entry: RawEntry | undefined;
        if (Date.now() - lastClaim >= claimEveryMs) {
          lastClaim = Date.now();
          entry = await claimOne();
          if (++claims % 20 === 0) await forgetDeadMembers();
        }
        if (entry === undefined) {
          const reply = (await reader.callBuffer(
            "XREADGROUP",
            "GROUP",
            group,
            consumer,
            "COUNT",
            "1",
            "BLOCK",
            String(BLOCK_MS),
            "STREAMS",
            key,
            ">",
          )) as [Buffer, RawEntry[]][] | null;
          entry = reply?.[0]?.[1]?.[0];
        }
        failures = 0;
        if (entry !== undefined) await process(entry);
      } catch (err) {
        if (stop.signal.aborted) return;
        // The stream (and its group) expired or Redis lost it: create the group again.
        if (isReplyError(err) && String(err).includes("NOGROUP")) grouped = false;
        failures += 1;
        if (failures === 1)
          log.debug("consumer waiting for Redis", {
            topic: deps.topic,
            group,
            error: err instanceof Error ? err.message : String(err),
          });
        await sleep(Math.max(50, retryDelay(RECONNECT_POLICY, Math.min(failures, 10))), stop.signal);
      }
    }
  };
  void loop();

  return {
    ready,
    close() {
      if (stop.signal.aborted) return;
      stop.abort();
      // Ends a blocking read at once; an event being processed still finishes and is acked.
      reader.disconnect();
      deps.onClose();
    },
  };
}
