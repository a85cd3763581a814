/**
 * A small real Connect server on loopback speaking the platform's State, Pubsub, WorkManager and
 * Health services, with knobs the emulator does not have: slow handlers, planned failures, and
 * a record of what each call saw (its deadline, whether it was aborted, its attempts).
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus } from "../../generated/grpc/health/v1/health_pb.js";
import { Pubsub, PubsubSubscribeResponseSchema } from "../../generated/virtufin/pubsub_pb.js";
import { State } from "../../generated/virtufin/state_pb.js";
import { WorkManager } from "../../generated/virtufin/workmanager_pb.js";
import { startTestServer, type TestServer } from "../support/connect-server.js";

/** What the fake records and how it misbehaves; tests reset it with {@link FakePlatform.reset}. */
export interface FakeState {
  /** Calls per method name ("saveState", "publishEvent", ...). */
  attempts: Record<string, number>;
  /** The deadline (ms) each call arrived with, by method; undefined = no deadline sent. */
  deadlines: Record<string, (number | undefined)[]>;
  /** Failures still to inject, by method, with their code. */
  failures: Record<string, { remaining: number; code: Code }>;
  /** Handlers that were aborted (deadline or cancellation) before they finished. */
  aborted: Record<string, number>;
  /** Server streams that have ended, by any cause. */
  streamsEnded: number;
  /** Request headers of the last call (for secret checks). */
  lastHeaders: Headers | undefined;
}

/** A running fake platform. */
export interface FakePlatform extends TestServer {
  /** The live record; mutate `failures` to plan faults. */
  readonly state: FakeState;
  /** Clears the record and the planned failures. */
  reset(): void;
}

const SLOW_MS = 10_000;

/** Waits `ms` or until the call is aborted; an abort is counted and rethrown. */
function slow(state: FakeState, method: string, context: HandlerContext, ms = SLOW_MS): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      state.aborted[method] = (state.aborted[method] ?? 0) + 1;
      reject(context.signal.reason); // eslint-disable-line @typescript-eslint/prefer-promise-reject-errors -- an abort rejects with the signal's reason, as the platform's APIs do
    };
    const timer = setTimeout(() => {
      context.signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    if (context.signal.aborted) onAbort();
    else context.signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Starts the fake on 127.0.0.1 and a free port. */
export async function startFakePlatform(): Promise<FakePlatform> {
  const state: FakeState = { attempts: {}, deadlines: {}, failures: {}, aborted: {}, streamsEnded: 0, lastHeaders: undefined };
  const enter = (method: string, context: HandlerContext) => {
    state.attempts[method] = (state.attempts[method] ?? 0) + 1;
    (state.deadlines[method] ??= []).push(context.timeoutMs());
    state.lastHeaders = context.requestHeader;
    const plan = state.failures[method];
    if (plan && plan.remaining > 0) {
      plan.remaining--;
      throw new ConnectError(`${method}: injected failure`, plan.code);
    }
  };
  const replays = new Map<string, number>();
  const ok = { status: { success: true, status: "OK", message: "" } };
  const server = await startTestServer((router) => {
    router.service(State, {
      saveState(_req, ctx) {
        enter("saveState", ctx);
        return ok;
      },
      async getState(req, ctx) {
        enter("getState", ctx);
        if (req.key === "slow") await slow(state, "getState", ctx);
        return { value: "v", etag: "1" };
      },
      getAllState: (_req, ctx) => (enter("getAllState", ctx), { values: {} }),
      registerKeys: (_req, ctx) => (enter("registerKeys", ctx), ok),
      deleteState: (_req, ctx) => (enter("deleteState", ctx), ok),
    });
    router.service(Pubsub, {
      async publishEvent(req, ctx) {
        enter("publishEvent", ctx);
        if (req.topic === "slow") await slow(state, "publishEvent", ctx);
        return ok;
      },
      async *subscribe(req, ctx) {
        enter("subscribe", ctx);
        try {
          if (req.topic.startsWith("burst-")) {
            // 2,000 events of 1 KB as fast as flow control lets them go: the client has many
            // messages received but not yet read when its consumer leaves.
            const data = new Uint8Array(1_024).fill(120);
            for (let i = 0; i < 2_000 && !ctx.signal.aborted; i++)
              yield create(PubsubSubscribeResponseSchema, { topic: req.topic, messageId: `${req.topic}-${i}`, data });
            return;
          }
          if (req.topic.startsWith("replay-")) {
            // The c-th stream of a replay topic re-sends ids 0..5c-1, then ends cleanly: a server
            // that replays what it already sent after every reconnect.
            const c = (replays.get(req.topic) ?? 0) + 1;
            replays.set(req.topic, c);
            for (let i = 0; i < 5 * c; i++)
              yield create(PubsubSubscribeResponseSchema, { topic: req.topic, messageId: `${req.topic}-${i}` });
            return;
          }
          // One event at once, then one every 20 ms ("slow" topics: one, then nothing).
          for (let i = 0; !ctx.signal.aborted; i++) {
            yield create(PubsubSubscribeResponseSchema, { topic: req.topic, messageId: `${req.topic}-${i}` });
            await slow(state, "subscribe", ctx, req.topic.startsWith("slow") ? SLOW_MS : 20);
          }
        } finally {
          state.streamsEnded++;
        }
      },
      unsubscribe: (_req, ctx) => (enter("unsubscribe", ctx), ok),
    });
    router.service(WorkManager, {
      listWorkers: (_req, ctx) => (enter("listWorkers", ctx), { workers: [] }),
      async startWorker(_req, ctx) {
        enter("startWorker", ctx);
        await slow(state, "startWorker", ctx);
        return {};
      },
      createWorker: (_req, ctx) => (enter("createWorker", ctx), { id: "w-1" }),
      deleteWorker: (req, ctx) => {
        enter("deleteWorker", ctx);
        throw new ConnectError(`worker ${req.id} not found`, Code.NotFound);
      },
      stopWorker: (_req, ctx) => (enter("stopWorker", ctx), {}),
      recoverWorkers: (_req, ctx) => (enter("recoverWorkers", ctx), { recoveredCount: 0 }),
      getWorkerHistory: (_req, ctx) => (enter("getWorkerHistory", ctx), { entries: [] }),
      loadCodeFromContent: (_req, ctx) => (enter("loadCodeFromContent", ctx), {}),
      loadCodeFromUrl: (_req, ctx) => (enter("loadCodeFromUrl", ctx), {}),
    });
    router.service(Health, {
      check: (_req, ctx) => (enter("check", ctx), { status: HealthCheckResponse_ServingStatus.SERVING }),
      async *watch(_req, ctx) {
        enter("watch", ctx);
        yield { status: HealthCheckResponse_ServingStatus.SERVING };
      },
    });
  });
  return {
    ...server,
    state,
    reset() {
      state.attempts = {};
      state.deadlines = {};
      state.failures = {};
      state.aborted = {};
      state.lastHeaders = undefined;
    },
  };
}
