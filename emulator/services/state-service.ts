/**
 * virtufin.State: key-value state with etags, and state-change events on `state-changes`.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  DeleteStateResponseSchema,
  GetAllStateResponseSchema,
  GetStateResponseSchema,
  RegisterKeysResponseSchema,
  SaveStateResponseSchema,
  State,
} from "@virtufin/sdk/gen/virtufin/state_pb";
import { EtagMismatch, type PubsubBackend } from "../backend/index.js";
import { API_SOURCE, STATE_CHANGES_TOPIC, type ServiceContext } from "./context.js";
import { invalidArgument, okStatus } from "./status.js";

/** The JSON payload of a state-change event. */
export interface StateChangeEvent {
  /** The owning service. */
  readonly service: string;
  /** The key written or deleted. */
  readonly key: string;
  /** What happened. */
  readonly action: "save" | "delete";
  /** The value (saved, or deleted), only when the request asked for `include_value`. */
  readonly value?: string;
}

const require = (value: string, what: string) => {
  if (value.trim() === "") throw invalidArgument(`${what} must not be empty`);
};

/**
 * Publishes a state-change event on `state-changes`. Every writer of the state store (State and
 * the Dapr sidecar API) calls it, so watchers see each change whichever API made it.
 */
export async function publishStateChange(pubsub: PubsubBackend, change: StateChangeEvent): Promise<void> {
  await pubsub.publish(STATE_CHANGES_TOPIC, new TextEncoder().encode(JSON.stringify(change)), {
    "ce-type": `com.virtufin.state.${change.action}`,
    "ce-source": API_SOURCE,
    "ce-datacontenttype": "application/json",
    "ce-subject": change.key,
  });
}

/** Creates the State service implementation. */
export function createStateService(ctx: ServiceContext): ServiceImpl<typeof State> {
  const { state, pubsub, log } = ctx;
  const emit = (change: StateChangeEvent): Promise<void> => publishStateChange(pubsub, change);
  return {
    async saveState(req) {
      require(req.service, "service");
      require(req.key, "key");
      try {
        await state.set(req.service, req.key, req.value, req.etag || undefined);
      } catch (err) {
        if (err instanceof EtagMismatch) throw new ConnectError(`etag mismatch for key "${req.key}"`, Code.Aborted);
        throw err;
      }
      log.debug("state saved", { service: req.service, key: req.key });
      await emit({ service: req.service, key: req.key, action: "save", ...(req.includeValue ? { value: req.value } : {}) });
      return create(SaveStateResponseSchema, { status: okStatus() });
    },
    async getState(req) {
      require(req.service, "service");
      require(req.key, "key");
      // Reading a key registers it, as on the platform, so GetAllState sees it once written.
      await state.registerKeys(req.service, [req.key]);
      const entry = await state.get(req.service, req.key);
      // A missing key is not an error: empty value and empty etag (the contract's decision).
      return create(GetStateResponseSchema, { key: req.key, value: entry?.value ?? "", etag: entry?.etag ?? "" });
    },
    async getAllState(req) {
      require(req.service, "service");
      const values = await state.getAll(req.service);
      return create(GetAllStateResponseSchema, { values: Object.fromEntries(values) });
    },
    async registerKeys(req) {
      require(req.service, "service");
      await state.registerKeys(req.service, req.keys);
      return create(RegisterKeysResponseSchema, { status: okStatus() });
    },
    async deleteState(req) {
      require(req.service, "service");
      require(req.key, "key");
      const removed = await state.delete(req.service, req.key);
      // Deleting a missing key succeeds (idempotent) and, having changed nothing, emits no event.
      if (removed !== undefined) {
        await emit({
          service: req.service,
          key: req.key,
          action: "delete",
          ...(req.includeValue ? { value: removed.value } : {}),
        });
      }
      return create(DeleteStateResponseSchema, { status: okStatus() });
    },
  };
}

export { State };
