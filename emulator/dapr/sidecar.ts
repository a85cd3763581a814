/**
 * The emulated Dapr sidecar: the `dapr.proto.runtime.v1.Dapr` service (the subset in
 * proto/dapr) over the emulator's state store and pub/sub, the `dapr-api-token` check, and, with
 * an app port, the channel that delivers the app's subscriptions to it.
 */
import { create } from "@bufbuild/protobuf";
import type { Interceptor, ServiceImpl } from "@connectrpc/connect";
import { Dapr } from "@virtufin/sdk/gen/dapr/proto/runtime/v1/dapr_pb";
import {
  AppConnectionPropertiesSchema,
  GetMetadataResponseSchema,
  PubsubSubscriptionRuleSchema,
  PubsubSubscriptionRulesSchema,
  PubsubSubscriptionSchema,
  PubsubSubscriptionType,
  RegisteredComponentsSchema,
} from "@virtufin/sdk/gen/dapr/proto/runtime/v1/metadata_pb";
import type { PubsubBackend, StateBackend } from "../backend/index.js";
import type { Logger } from "../logger.js";
import { createDaprTokenInterceptor } from "./api-token.js";
import { AppChannel } from "./app-channel.js";
import { DAPR_PUBSUB_NAME, DAPR_STATE_STORE_NAME, DEFAULT_DAPR_APP_ID, type DaprSidecarOptions } from "./options.js";
import { createDaprPublishApi } from "./publish-api.js";
import { createDaprStateApi } from "./state-api.js";

/** The runtime version GetMetadata reports: the Dapr API version the subset was taken from. */
export const EMULATED_DAPR_VERSION = "1.17.13-virtufin-emulator";

/** What the sidecar needs from the emulator. */
export interface DaprSidecarDeps {
  /** The emulator's pub/sub. */
  readonly pubsub: PubsubBackend;
  /** The emulator's state store. */
  readonly state: StateBackend;
  /** The component's logger. */
  readonly log: Logger;
  /** The host the app is dialled on when `appHost` is not given. */
  readonly defaultAppHost: string;
}

/** A sidecar ready to be served. */
export interface DaprSidecar {
  /** The app id. */
  readonly appId: string;
  /** The Dapr service implementation. */
  readonly impl: ServiceImpl<typeof Dapr>;
  /** Interceptors of the server (the token check). */
  readonly interceptors: readonly Interceptor[];
  /** The channel to the app, when an app port was given. */
  readonly app: AppChannel | undefined;
  /** Stops delivery to the app and closes its connection. */
  close(): Promise<void>;
}

/** Creates the sidecar (the app channel starts when {@link DaprSidecar.app}'s `start()` is called). */
export function createDaprSidecar(deps: DaprSidecarDeps, options: DaprSidecarOptions = {}): DaprSidecar {
  const appId = options.appId ?? DEFAULT_DAPR_APP_ID;
  const { pubsub, state, log } = deps;
  const stateApi = createDaprStateApi({ state, pubsub, appId, log });
  const publishApi = createDaprPublishApi({ pubsub, appId, log });
  const app =
    options.appPort !== undefined
      ? new AppChannel({
          host: options.appHost ?? deps.defaultAppHost,
          port: options.appPort,
          appId,
          pubsub,
          log: log.child("app"),
          ...(options.maxDeliveryAttempts !== undefined ? { maxDeliveryAttempts: options.maxDeliveryAttempts } : {}),
          ...(options.redeliveryBackoffMs !== undefined ? { redeliveryBackoffMs: options.redeliveryBackoffMs } : {}),
        })
      : undefined;

  const impl: ServiceImpl<typeof Dapr> = {
    getState: (req) => stateApi.getState(req),
    getBulkState: (req) => stateApi.getBulkState(req),
    async saveState(req) {
      await stateApi.saveState(req);
      return {};
    },
    async deleteState(req) {
      await stateApi.deleteState(req);
      return {};
    },
    async publishEvent(req) {
      await publishApi.publishEvent(req);
      return {};
    },
    bulkPublishEventAlpha1: (req) => publishApi.bulkPublishEvent(req),
    bulkPublishEvent: (req) => publishApi.bulkPublishEvent(req),
    getMetadata() {
      return create(GetMetadataResponseSchema, {
        id: appId,
        runtimeVersion: EMULATED_DAPR_VERSION,
        registeredComponents: [
          create(RegisteredComponentsSchema, {
            name: DAPR_PUBSUB_NAME,
            type: "pubsub.virtufin-emulator",
            version: "v1",
            capabilities: [],
          }),
          create(RegisteredComponentsSchema, {
            name: DAPR_STATE_STORE_NAME,
            type: "state.virtufin-emulator",
            version: "v1",
            capabilities: ["ETAG"],
          }),
        ],
        subscriptions: (app?.subscriptions ?? []).map((sub) =>
          create(PubsubSubscriptionSchema, {
            pubsubName: sub.pubsubName,
            topic: sub.topic,
            metadata: sub.metadata,
            deadLetterTopic: sub.deadLetterTopic,
            type: PubsubSubscriptionType.PROGRAMMATIC,
            rules: create(PubsubSubscriptionRulesSchema, {
              rules: (sub.routes?.rules ?? []).map((r) => create(PubsubSubscriptionRuleSchema, { match: r.match, path: r.path })),
            }),
          }),
        ),
        ...(options.appPort !== undefined
          ? {
              appConnectionProperties: create(AppConnectionPropertiesSchema, {
                port: options.appPort,
                protocol: "grpc",
                channelAddress: options.appHost ?? deps.defaultAppHost,
              }),
            }
          : {}),
      });
    },
  };

  return {
    appId,
    impl,
    interceptors: [createDaprTokenInterceptor(options.apiToken, log)],
    app,
    close: async () => {
      await app?.close();
    },
  };
}
