/**
 * Publishing through a Dapr sidecar, bypassing the Virtufin API (seed: `DaprPublisher`).
 *
 * @module
 */
export {
  DAPR_API_TOKEN_HEADER,
  DAPR_DEFAULT_GRPC_PORT,
  DAPR_DEFAULT_HOST,
  DaprPublisher,
  type DaprBulkEntry,
  type DaprBulkFailure,
  type DaprPublisherOptions,
  type DaprPublishOptions,
} from "./dapr-publisher.js";
