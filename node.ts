/**
 * Node-only helpers of the Virtufin SDK (`@virtufin/sdk/node`): reading worker code from files
 * and stopping runners on process signals. Everything else is in `@virtufin/sdk`, which works
 * in Node and in browsers alike.
 *
 * @module
 */
export {
  createWorkerFromFile,
  mimeTypeForFile,
  MIME_TYPES_BY_EXTENSION,
  type CreateWorkerFromFileOptions,
} from "./platform/workmanager/create-worker-from-file.js";
export {
  DEFAULT_STOP_SIGNALS,
  stopOnSignals,
  type SignalsDisposer,
  type StopOnSignalsOptions,
} from "./runtime/runners/signals.js";
export { registerReflection, type RegisterReflectionOptions } from "./platform/reflection/reflection-service.js";
export {
  createNodeGrpcTransport,
  type NodeGrpcTransport,
  type NodeGrpcTransportOptions,
} from "./runtime/transport/node-grpc-transport.js";
