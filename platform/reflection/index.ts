/**
 * gRPC server reflection on the client side: {@link ReflectionClient} for dynamic calls to any
 * server that offers reflection, and the pieces it is made of (also used by the emulator's
 * Gateway): asking reflection v1/v1alpha, describing methods as the Gateway does, JSON Schemas.
 *
 * @module
 */
export { ReflectionClient, type MethodDescription } from "./reflection-client.js";
export { INFRASTRUCTURE_SERVICES, listServiceNames, reflectServer, type ReflectedServer, type ReflectOptions, type ServiceNames } from "./reflect-server.js";
export { asServerStreaming, reflectionServiceName, type ReflectionVersion } from "./reflection-protocol.js";
export { messageJsonSchema, type JsonSchema } from "./json-schema.js";
export { fieldSchema, methodInfo, methodInfos, methodSchema } from "./method-info.js";
export { KNOWN_FILES } from "./known-files.js";
