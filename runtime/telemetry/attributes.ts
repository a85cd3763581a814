/**
 * The attribute and metric names the SDK and the emulator report, as OpenTelemetry's semantic
 * conventions name them (RPC: `rpc.*`, `server.*`, `error.type`; messaging: `messaging.*`).
 * Spelled out here rather than imported, so that `@opentelemetry/semantic-conventions` is not a
 * dependency of the SDK; the telemetry tests check every name against that package.
 */

/** The RPC system: `grpc` (gRPC, gRPC-Web and Connect calls all carry gRPC status codes). */
export const ATTR_RPC_SYSTEM = "rpc.system";
/** The full proto service name, e.g. `virtufin.Gateway`. */
export const ATTR_RPC_SERVICE = "rpc.service";
/** The RPC's name, e.g. `ListServices`. */
export const ATTR_RPC_METHOD = "rpc.method";
/** The numeric gRPC status code of the call (0 for OK). */
export const ATTR_RPC_GRPC_STATUS_CODE = "rpc.grpc.status_code";
/** The server's host name or address. */
export const ATTR_SERVER_ADDRESS = "server.address";
/** The server's port. */
export const ATTR_SERVER_PORT = "server.port";
/** The class of a failure: the gRPC code name (e.g. `UNAVAILABLE`). */
export const ATTR_ERROR_TYPE = "error.type";
/** The messaging system; Virtufin's pub/sub reports itself as `virtufin`. */
export const ATTR_MESSAGING_SYSTEM = "messaging.system";
/** The topic. */
export const ATTR_MESSAGING_DESTINATION_NAME = "messaging.destination.name";
/** `publish`, `receive`, `process`, `send`. */
export const ATTR_MESSAGING_OPERATION_TYPE = "messaging.operation.type";
/** The CloudEvent id. */
export const ATTR_MESSAGING_MESSAGE_ID = "messaging.message.id";
/** The correlation id of request-reply. */
export const ATTR_MESSAGING_MESSAGE_CONVERSATION_ID = "messaging.message.conversation_id";
/** `rpc.system` of every call: gRPC, gRPC-Web and Connect all carry gRPC status codes. */
export const RPC_SYSTEM_GRPC = "grpc";
/** `messaging.system` of the platform's pub/sub. */
export const MESSAGING_SYSTEM_VIRTUFIN = "virtufin";

/** The client call duration histogram, in ms (semantic conventions: `rpc.client.duration`). */
export const METRIC_RPC_CLIENT_DURATION = "rpc.client.duration";
/** Streams in flight (no semantic convention exists). */
export const METRIC_ACTIVE_STREAMS = "virtufin.rpc.client.active_streams";
/** Reconnects of event streams (no semantic convention exists). */
export const METRIC_RECONNECTS = "virtufin.stream.reconnects";
/** Request-replies that got no reply in time (no semantic convention exists). */
export const METRIC_REQUEST_TIMEOUTS = "virtufin.request_reply.timeouts";
