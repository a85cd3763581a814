/**
 * A `@grpc/grpc-js` service definition built from a protobuf-es service descriptor, so grpc-js
 * and nice-grpc (which accepts grpc-js definitions) speak the same service as the generated
 * client, with the same protobuf-es codec, without a second code generator.
 */
import { fromBinary, toBinary, type DescMessage, type DescService, type MessageShape } from "@bufbuild/protobuf";
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";

/** Serializes without copying: a Buffer view over protobuf-es's bytes. */
const serializer =
  <T extends DescMessage>(schema: T) =>
  (message: MessageShape<T>): Buffer => {
    const bytes = toBinary(schema, message);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };

const deserializer =
  <T extends DescMessage>(schema: T) =>
  (bytes: Buffer): MessageShape<T> =>
    fromBinary(schema, bytes);

/** The grpc-js definition of `service`, keyed by each method's lowerCamel local name. */
export function grpcDefinition(service: DescService): ServiceDefinition {
  const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    const kind = method.methodKind;
    definition[method.localName] = {
      path: `/${service.typeName}/${method.name}`,
      originalName: method.name,
      requestStream: kind === "client_streaming" || kind === "bidi_streaming",
      responseStream: kind === "server_streaming" || kind === "bidi_streaming",
      requestSerialize: serializer(method.input) as (m: unknown) => Buffer,
      requestDeserialize: deserializer(method.input),
      responseSerialize: serializer(method.output) as (m: unknown) => Buffer,
      responseDeserialize: deserializer(method.output),
    };
  }
  return definition;
}
