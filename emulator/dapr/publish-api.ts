/**
 * Dapr's publishing calls (PublishEvent, BulkPublishEvent and its Alpha1 twin) into the
 * emulator's pub/sub, for the one component served, `pubsub`: Virtufin subscribers, WorkManager
 * workers and Dapr apps subscribed through the emulator receive what Dapr clients publish.
 *
 * Validation follows Dapr's order and codes: an empty component name, an unknown component and an
 * empty topic are INVALID_ARGUMENT; topics must also pass the emulator's topic rules. A bulk
 * request is validated whole (entry ids present and unique, every envelope buildable) before any
 * entry is published, so bad input publishes nothing.
 */
import { create } from "@bufbuild/protobuf";
import {
  BulkPublishResponseFailedEntrySchema,
  BulkPublishResponseSchema,
  type BulkPublishRequest,
  type BulkPublishResponse,
  type PublishEventRequest,
} from "@virtufin/sdk/gen/dapr/proto/runtime/v1/pubsub_pb";
import { checkTopic, invalidArgument } from "../services/index.js";
import { toBusPublication, type BusPublication } from "./cloud-event.js";
import { checkComponent, type DaprApiDeps } from "./component.js";
import { DAPR_PUBSUB_NAME } from "./options.js";

/** What the publishing calls need. */
export type DaprPublishDeps = DaprApiDeps;

/** The publishing calls of the Dapr service. */
export interface DaprPublishApi {
  /** Dapr PublishEvent. */
  publishEvent(req: PublishEventRequest): Promise<void>;
  /** Dapr BulkPublishEvent / BulkPublishEventAlpha1. */
  bulkPublishEvent(req: BulkPublishRequest): Promise<BulkPublishResponse>;
}

/** Dapr's validation of the component and topic of a publish. */
function checkTarget(pubsubName: string, topic: string): void {
  checkComponent("pubsub", pubsubName, DAPR_PUBSUB_NAME, { emptyCheck: true });
  if (topic === "") throw invalidArgument(`topic is empty in pubsub ${pubsubName}`);
  checkTopic(topic);
}

/** Creates the publishing calls. */
export function createDaprPublishApi(deps: DaprPublishDeps): DaprPublishApi {
  const { pubsub, appId, log } = deps;
  return {
    async publishEvent(req) {
      checkTarget(req.pubsubName, req.topic);
      const event = toBusPublication(req.data, {
        appId,
        pubsubName: req.pubsubName,
        topic: req.topic,
        contentType: req.dataContentType,
        metadata: req.metadata,
      });
      const published = await pubsub.publish(req.topic, event.data, event.metadata);
      log.debug("event published", { topic: req.topic, id: published.id });
    },

    async bulkPublishEvent(req) {
      checkTarget(req.pubsubName, req.topic);
      const seen = new Set<string>();
      const events: { entryId: string; event: BusPublication }[] = [];
      for (const entry of req.entries) {
        if (entry.entryId === "" || seen.has(entry.entryId))
          throw invalidArgument("entryId is duplicated or not present for entry");
        seen.add(entry.entryId);
        // Entry metadata overrides request metadata, as in Dapr.
        const metadata = { ...req.metadata, ...entry.metadata };
        const event = toBusPublication(entry.event, {
          appId,
          pubsubName: req.pubsubName,
          topic: req.topic,
          contentType: entry.contentType,
          metadata,
        });
        events.push({ entryId: entry.entryId, event });
      }
      const failedEntries = [];
      for (const { entryId, event } of events) {
        try {
          await pubsub.publish(req.topic, event.data, event.metadata);
        } catch (err) {
          failedEntries.push(
            create(BulkPublishResponseFailedEntrySchema, { entryId, error: err instanceof Error ? err.message : String(err) }),
          );
        }
      }
      log.debug("bulk published", { topic: req.topic, entries: events.length, failed: failedEntries.length });
      return create(BulkPublishResponseSchema, { failedEntries });
    },
  };
}
