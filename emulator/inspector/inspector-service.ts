/**
 * The emulator-only InspectorService (proto/virtufin/emulator/v1/inspector.proto): streams of
 * recent events, workers with counters and log lines, and WebSocketManager connections, for the
 * emulator's web UI. Snapshot streams send the whole list at once and again after each change,
 * at most every {@link SNAPSHOT_INTERVAL_MS}, so a burst of changes costs one message.
 */
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import {
  InspectedConnectionSchema,
  InspectedWorkerSchema,
  InspectorService,
  WatchEventsResponseSchema,
  type WatchEventsResponse,
} from "@virtufin/sdk/gen/virtufin/emulator/v1/inspector_pb";
import type { BusEvent } from "../backend/types.js";
import { classify } from "../gateway/events.js";
import { EventChannel, type ServiceContext } from "../services/index.js";
import type { WebSocketManagerService } from "../websocketmanager/index.js";
import type { WorkManagerService } from "../workmanager/index.js";
import { DEAD_LETTER_SUFFIX } from "../workmanager/worker.js";
import type { EventHistory } from "./event-history.js";

/** The shortest time between two snapshots of one stream. */
export const SNAPSHOT_INTERVAL_MS = 150;

/** What the inspector reads. */
export interface InspectorSources {
  /** Recent and live bus events. */
  readonly history: EventHistory;
  /** The WorkManager. */
  readonly workmanager: WorkManagerService;
  /** The WebSocketManager. */
  readonly websocketmanager: WebSocketManagerService;
}

const toResponse = (event: BusEvent, replayed: boolean): WatchEventsResponse => {
  const classified = classify(event);
  return create(WatchEventsResponseSchema, {
    topic: event.topic,
    data: event.data,
    metadata: { ...event.metadata },
    id: event.id,
    time: event.time,
    eventType: classified.type,
    service: classified.service,
    deadLetter: event.topic.endsWith(DEAD_LETTER_SUFFIX),
    replayed,
  });
};

/** Creates the InspectorService implementation. */
export function createInspectorService(ctx: ServiceContext, sources: InspectorSources): ServiceImpl<typeof InspectorService> {
  /**
   * A stream of snapshots: one now, then one after each change (coalesced). Any bus event counts
   * as a change (lifecycle events announce created, started, stopped and deleted workers and
   * connection status changes), as does a worker's counter or log line.
   */
  async function* snapshots<T>(signal: AbortSignal, take: () => T): AsyncGenerator<T> {
    // The channel carries "something changed" tokens, at most one waiting: a slow page gets
    // the latest snapshot when it is ready for one, never a backlog.
    const channel = new EventChannel<true>(1).endOn(signal, ctx.stopping);
    let timer: NodeJS.Timeout | undefined;
    let waiting = false;
    const schedule = () => {
      timer ??= setTimeout(() => {
        timer = undefined;
        if (waiting) return;
        waiting = true;
        channel.push(true);
      }, SNAPSHOT_INTERVAL_MS);
    };
    const stops = [sources.history.listen(schedule), sources.workmanager.changes.listen(schedule)];
    const untrack = ctx.streams?.track();
    const release = () => {
      clearTimeout(timer);
      for (const stop of stops) stop();
      untrack?.();
    };
    channel.onClose(release);
    try {
      yield take();
      for await (const _ of channel) {
        waiting = false;
        yield take();
      }
    } finally {
      channel.end();
      release();
    }
  }

  return {
    async *watchEvents(req, context) {
      const channel = new EventChannel<BusEvent>().endOn(context.signal, ctx.stopping);
      const stop = sources.history.listen((event) => channel.push(event));
      const untrack = ctx.streams?.track();
      channel.onClose(() => (stop(), untrack?.()));
      try {
        if (!req.skipRecent) for (const event of sources.history.recent()) yield toResponse(event, true);
        for await (const event of channel) yield toResponse(event, false);
      } finally {
        channel.end();
        stop();
        untrack?.();
      }
    },

    async *watchWorkers(_req, context) {
      for await (const workers of snapshots(context.signal, () =>
        sources.workmanager.workers().map((w) =>
          create(InspectedWorkerSchema, {
            id: w.id,
            language: w.spec.language,
            mimeType: w.spec.mimeType,
            topic: w.topic,
            group: w.group,
            status: w.status,
            createdAt: w.createdAt,
            processed: BigInt(w.activity.processed),
            failed: BigInt(w.activity.failed),
            retried: BigInt(w.activity.retried),
            deadLettered: BigInt(w.activity.deadLettered),
            logLines: [...w.activity.logLines],
            codeVersions: w.codeHistory.length,
          }),
        ),
      ))
        yield { workers };
    },

    async *watchConnections(_req, context) {
      for await (const connections of snapshots(context.signal, () =>
        sources.websocketmanager.connections().map((c) =>
          create(InspectedConnectionSchema, {
            id: c.id,
            url: c.safeUrl,
            status: c.status,
            topic: c.topic,
            reconnects: c.reconnects,
            framesReceived: BigInt(c.framesReceived),
            tags: Object.fromEntries(c.tags),
          }),
        ),
      ))
        yield { connections };
    },
  };
}
