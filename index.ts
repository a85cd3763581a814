/**
 * The Virtufin TypeScript SDK: the generated clients and messages of the platform's services,
 * the platform client (`ApiClient`), and the runtime (connections, call options, errors,
 * workers).
 *
 * @module
 */
export * from "./runtime/index.js";
export * from "./platform/index.js";
export * from "./generated/virtufin/config_client.js";
export * from "./generated/virtufin/config_pb.js";
export * from "./generated/virtufin/gateway_client.js";
export * from "./generated/virtufin/gateway_pb.js";
export * from "./generated/virtufin/pubsub_client.js";
export * from "./generated/virtufin/pubsub_pb.js";
export * from "./generated/virtufin/state_client.js";
export * from "./generated/virtufin/state_pb.js";
export * from "./generated/virtufin/websocketmanager_client.js";
export * from "./generated/virtufin/websocketmanager_pb.js";
export * from "./generated/virtufin/workmanager_client.js";
export * from "./generated/virtufin/workmanager_pb.js";
