/**
 * What every view receives: the session, the shared event feed, the workers seen, and a way to
 * ask for a re-render (batched to one per animation frame; at once after a person's action).
 */
import type { InspectedWorker } from "@virtufin/sdk/gen/virtufin/emulator/v1/inspector_pb";
import type { EventFeed } from "./feed.js";
import type { Session } from "./session.js";

/** The shared context of the views. */
export interface App {
  /** The connection to the emulator. */
  readonly session: Session;
  /** Live pub/sub traffic. */
  readonly feed: EventFeed;
  /** The latest worker snapshot. */
  workers: InspectedWorker[];
  /** Schedules a re-render. */
  readonly update: () => void;
}
