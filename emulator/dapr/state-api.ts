/**
 * Dapr's state calls (GetState, GetBulkState, SaveState, DeleteState) onto the emulator's state
 * store, with Dapr's etag and concurrency rules.
 *
 * Mapping: the one store served, `statestore`, is the emulator's state store with Dapr's default
 * key prefix (`appid||key`) read as the Virtufin namespace: Dapr key `k` of app `a` is Virtufin
 * state (service `a`, key `k`), so `api.state.get("a", "k")` reads what the Dapr app wrote, and
 * etags are shared. Values are bytes in Dapr and text in Virtufin: they must be UTF-8.
 *
 * Concurrency (Dapr's state API): a write with an etag applies only if it is current, else
 * ABORTED (a missing key has no etag); `CONCURRENCY_LAST_WRITE` ignores the etag; a write with
 * `CONCURRENCY_FIRST_WRITE` and no etag applies only if the key has no value. A missing key reads
 * as empty data and an empty etag.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { StateOptions_StateConcurrency, type StateOptions } from "@virtufin/sdk/gen/dapr/proto/common/v1/common_pb";
import {
  BulkStateItemSchema,
  GetBulkStateResponseSchema,
  GetStateResponseSchema,
  type DeleteStateRequest,
  type GetBulkStateRequest,
  type GetBulkStateResponse,
  type GetStateRequest,
  type GetStateResponse,
  type SaveStateRequest,
} from "@virtufin/sdk/gen/dapr/proto/runtime/v1/state_pb";
import { EtagMismatch, type StateBackend } from "../backend/index.js";
import { invalidArgument, publishStateChange } from "../services/index.js";
import { checkComponent, type DaprApiDeps } from "./component.js";
import { DAPR_STATE_STORE_NAME } from "./options.js";

/** What the state calls need. */
export interface DaprStateDeps extends DaprApiDeps {
  /** The emulator's state store. */
  readonly state: StateBackend;
}

/** The state calls of the Dapr service. */
export interface DaprStateApi {
  /** Dapr GetState. */
  getState(req: GetStateRequest): Promise<GetStateResponse>;
  /** Dapr GetBulkState. */
  getBulkState(req: GetBulkStateRequest): Promise<GetBulkStateResponse>;
  /** Dapr SaveState (every item checked before any is written). */
  saveState(req: SaveStateRequest): Promise<void>;
  /** Dapr DeleteState. */
  deleteState(req: DeleteStateRequest): Promise<void>;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

function checkStore(name: string): void {
  // Dapr's answer for a store it does not have (INVALID_ARGUMENT, ERR_STATE_STORE_NOT_FOUND);
  // an empty name is just another store it does not have.
  checkComponent("state store", name, DAPR_STATE_STORE_NAME);
}

function checkKey(key: string): void {
  if (key === "") throw invalidArgument("state key cannot be empty");
  if (key.includes("||")) throw invalidArgument(`input key/keyPrefix '${key}' can't contain '||'`);
}

/** The etag a write must match, or undefined when none applies (absent, or last-write). */
function effectiveEtag(etag: string | undefined, options: StateOptions | undefined): string | undefined {
  if (etag === undefined || etag === "") return undefined;
  return options?.concurrency === StateOptions_StateConcurrency.CONCURRENCY_LAST_WRITE ? undefined : etag;
}

const firstWrite = (options: StateOptions | undefined) =>
  options?.concurrency === StateOptions_StateConcurrency.CONCURRENCY_FIRST_WRITE;

/** Creates the state calls. */
export function createDaprStateApi(deps: DaprStateDeps): DaprStateApi {
  const { state, pubsub, appId, log } = deps;
  return {
    async getState(req) {
      checkStore(req.storeName);
      checkKey(req.key);
      const entry = await state.get(appId, req.key);
      return create(GetStateResponseSchema, {
        data: entry ? encoder.encode(entry.value) : new Uint8Array(0),
        etag: entry?.etag ?? "",
      });
    },

    async getBulkState(req) {
      checkStore(req.storeName);
      for (const key of req.keys) checkKey(key);
      const items = [];
      for (const key of req.keys) {
        const entry = await state.get(appId, key);
        items.push(
          create(BulkStateItemSchema, {
            key,
            data: entry ? encoder.encode(entry.value) : new Uint8Array(0),
            etag: entry?.etag ?? "",
          }),
        );
      }
      return create(GetBulkStateResponseSchema, { items });
    },

    async saveState(req) {
      checkStore(req.storeName);
      // Validate every item, and every etag, before writing any: a bad item writes nothing.
      const writes = req.states.map((item) => {
        checkKey(item.key);
        let value: string;
        try {
          value = utf8.decode(item.value);
        } catch {
          throw invalidArgument(`the value of key "${item.key}" is not UTF-8 text (the emulator's state store holds text)`);
        }
        return {
          key: item.key,
          value,
          etag: effectiveEtag(item.etag?.value, item.options),
          onlyIfAbsent: firstWrite(item.options) && !item.etag?.value,
        };
      });
      for (const w of writes) {
        const current = await state.get(appId, w.key);
        if ((w.etag !== undefined && current?.etag !== w.etag) || (w.onlyIfAbsent && current !== undefined))
          throw mismatch("save", w.key);
      }
      for (const w of writes) {
        try {
          await state.set(appId, w.key, w.value, w.etag, { onlyIfAbsent: w.onlyIfAbsent });
        } catch (err) {
          if (err instanceof EtagMismatch) throw mismatch("save", w.key);
          throw err;
        }
        log.debug("state saved", { store: req.storeName, key: w.key });
        await publishStateChange(pubsub, { service: appId, key: w.key, action: "save" });
      }
    },

    async deleteState(req) {
      checkStore(req.storeName);
      checkKey(req.key);
      const etag = effectiveEtag(req.etag?.value, req.options);
      let removed;
      try {
        removed = await state.delete(appId, req.key, etag);
      } catch (err) {
        if (err instanceof EtagMismatch) throw mismatch("delete", req.key);
        throw err;
      }
      if (removed !== undefined) await publishStateChange(pubsub, { service: appId, key: req.key, action: "delete" });
    },
  };
}

/** Dapr's ABORTED answer to a stale etag (its messages ErrStateSave / ErrStateDelete). */
function mismatch(op: "save" | "delete", key: string): ConnectError {
  const detail = `possible etag mismatch. error from state store: etag mismatch for key "${key}"`;
  return new ConnectError(
    op === "save"
      ? `failed saving state in state store ${DAPR_STATE_STORE_NAME}: ${detail}`
      : `failed deleting state with key ${key}: ${detail}`,
    Code.Aborted,
  );
}
