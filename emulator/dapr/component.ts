/**
 * What the Dapr API handlers share: their dependencies on the emulator, and Dapr's check of the
 * component a request names (the sidecar serves one pub/sub and one state store).
 */
import type { PubsubBackend } from "../backend/index.js";
import type { Logger } from "../logger.js";
import { invalidArgument } from "../services/index.js";

/** What every Dapr API handler needs from the emulator. */
export interface DaprApiDeps {
  /** The emulator's pub/sub (where events, and state-change events, go). */
  readonly pubsub: PubsubBackend;
  /** The sidecar's app id: the envelope's default source and the state namespace of its keys. */
  readonly appId: string;
  /** The component's logger. */
  readonly log: Logger;
}

/** A kind of Dapr component, as Dapr names it in its messages. */
export type DaprComponentKind = "pubsub" | "state store";

/**
 * Dapr's validation of the component a request names, in Dapr's order and words: an empty name
 * (when Dapr checks for one, as it does for pub/sub) and then any name but the served one are
 * INVALID_ARGUMENT.
 */
export function checkComponent(
  kind: DaprComponentKind,
  name: string,
  served: string,
  options: { emptyCheck?: boolean } = {},
): void {
  if (options.emptyCheck && name === "") throw invalidArgument(`${kind} name is empty`);
  if (name !== served) throw invalidArgument(`${kind} ${name} is not found`);
}
