/**
 * A gRPC server reflection v1 client: asks a backend which services it hosts and turns the
 * FileDescriptorProtos it sends into a protobuf-es registry, so the Gateway can call services it
 * was never compiled with.
 */
import { create, createFileRegistry, fromBinary, type DescService, type FileRegistry } from "@bufbuild/protobuf";
import {
  FileDescriptorProtoSchema,
  FileDescriptorSetSchema,
  type FileDescriptorProto,
} from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import {
  ServerReflection,
  ServerReflectionRequestSchema,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
} from "@virtufin/sdk/gen/grpc/reflection/v1/reflection_pb";
import { KNOWN_FILES } from "@virtufin/sdk/internal";

/** Services every backend hosts for infrastructure; they are not part of its API. */
export const INFRASTRUCTURE_SERVICES: ReadonlySet<string> = new Set([
  "grpc.health.v1.Health",
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
]);


/** What reflection revealed about a backend. */
export interface ReflectedBackend {
  /** The backend's API services (infrastructure services left out), in the server's order. */
  readonly services: readonly DescService[];
  /** Every file the backend described, for JSON parsing of Any and friends. */
  readonly registry: FileRegistry;
}

/** Sends a batch of requests on one reflection stream and collects one answer per request. */
async function ask(transport: Transport, requests: ServerReflectionRequest[], timeoutMs: number, headers?: HeadersInit): Promise<ServerReflectionResponse[]> {
  const client = createClient(ServerReflection, transport);
  async function* send() {
    yield* requests;
  }
  const out: ServerReflectionResponse[] = [];
  for await (const res of client.serverReflectionInfo(send(), { timeoutMs, headers })) out.push(res);
  return out;
}

const request = (messageRequest: ServerReflectionRequest["messageRequest"]) => create(ServerReflectionRequestSchema, { messageRequest });

/** Orders files so that every file comes after its imports, as a FileDescriptorSet must. */
function dependenciesFirst(protos: ReadonlyMap<string, FileDescriptorProto>): FileDescriptorProto[] {
  const out: FileDescriptorProto[] = [];
  const done = new Set<string>();
  const visit = (proto: FileDescriptorProto, depth: number) => {
    if (done.has(proto.name) || depth > 100) return;
    done.add(proto.name);
    for (const dep of proto.dependency) {
      const found = protos.get(dep);
      if (found) visit(found, depth + 1);
    }
    out.push(proto);
  };
  for (const proto of protos.values()) visit(proto, 0);
  return out;
}

/** Queries a backend's reflection service and builds a registry of its services. */
export async function reflectBackend(transport: Transport, options: { timeoutMs?: number; headers?: HeadersInit } = {}): Promise<ReflectedBackend> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const [listed] = await ask(transport, [request({ case: "listServices", value: "" })], timeoutMs, options.headers);
  if (listed?.messageResponse.case !== "listServicesResponse") {
    throw new ConnectError("backend reflection did not list its services", Code.Unavailable);
  }
  const names = listed.messageResponse.value.service.map((s) => s.name).filter((name) => !INFRASTRUCTURE_SERVICES.has(name));

  const protos = new Map<string, FileDescriptorProto>();
  const absorb = (responses: ServerReflectionResponse[]) => {
    for (const res of responses) {
      if (res.messageResponse.case !== "fileDescriptorResponse") continue;
      for (const bytes of res.messageResponse.value.fileDescriptorProto) {
        const proto = fromBinary(FileDescriptorProtoSchema, bytes);
        if (!protos.has(proto.name)) protos.set(proto.name, proto);
      }
    }
  };
  absorb(await ask(transport, names.map((name) => request({ case: "fileContainingSymbol", value: name })), timeoutMs, options.headers));
  // Servers may omit dependencies; fetch what is missing by file name, a few rounds at most.
  for (let round = 0; round < 5; round++) {
    const missing = [...new Set([...protos.values()].flatMap((p) => p.dependency))].filter((dep) => !protos.has(dep) && !KNOWN_FILES.has(dep));
    if (missing.length === 0) break;
    absorb(await ask(transport, missing.map((name) => request({ case: "fileByFilename", value: name })), timeoutMs, options.headers));
  }

  for (const dep of [...protos.values()].flatMap((p) => p.dependency)) {
    const known = KNOWN_FILES.get(dep);
    if (!protos.has(dep) && known !== undefined) protos.set(dep, known.proto);
  }
  // An import the backend never sent is usually there only for custom options (which stay
  // unknown fields); drop it so the rest can be used. A type really missing still fails below.
  for (const proto of protos.values()) {
    const missing = proto.dependency.filter((dep) => !protos.has(dep));
    if (missing.length > 0) {
      proto.dependency = proto.dependency.filter((dep) => protos.has(dep));
      proto.publicDependency = [];
      proto.weakDependency = [];
    }
  }
  let registry: FileRegistry;
  try {
    registry = createFileRegistry(create(FileDescriptorSetSchema, { file: dependenciesFirst(protos) }));
  } catch (err) {
    throw new ConnectError(`backend reflection sent unusable descriptors: ${err instanceof Error ? err.message : String(err)}`, Code.Unavailable);
  }
  const services: DescService[] = [];
  for (const name of names) {
    const service = registry.getService(name);
    if (service !== undefined) services.push(service);
  }
  return { services, registry };
}
