/**
 * Options of the emulator's Dapr sidecar API and their defaults.
 */

/** Dapr's default gRPC port (`DAPR_GRPC_PORT`). */
export const DEFAULT_DAPR_PORT = 50001;
/** The app id the emulated sidecar runs as when none is given. */
export const DEFAULT_DAPR_APP_ID = "virtufin-app";
/** The pub/sub component served: the platform's pub/sub (Dapr's conventional name). */
export const DAPR_PUBSUB_NAME = "pubsub";
/** The state store component served: the emulator's state store (Dapr's conventional name). */
export const DAPR_STATE_STORE_NAME = "statestore";
/** The metadata header carrying the sidecar's API token. */
export const DAPR_API_TOKEN_HEADER = "dapr-api-token";
/** Attempts to deliver one event to the app (the first included) before it is given up. */
export const DEFAULT_MAX_DELIVERY_ATTEMPTS = 5;

/** How the emulator plays a Dapr sidecar. */
export interface DaprSidecarOptions {
  /** The app id: the default CloudEvent `source` and the state namespace (default "virtufin-app"). */
  readonly appId?: string;
  /** When set, every Dapr API call must carry it as `dapr-api-token` (else UNAUTHENTICATED). */
  readonly apiToken?: string;
  /**
   * The app's gRPC port: the emulator asks its `AppCallback` for topic subscriptions (retrying
   * until the app answers) and delivers matching events to its `OnTopicEvent`.
   */
  readonly appPort?: number;
  /** The app's host (default: loopback). */
  readonly appHost?: string;
  /** Delivery attempts per event before it goes to the dead-letter topic or is dropped (default 5). */
  readonly maxDeliveryAttempts?: number;
  /** Upper bound of the first redelivery backoff, in ms (default 100; doubles up to 2,000). */
  readonly redeliveryBackoffMs?: number;
}
