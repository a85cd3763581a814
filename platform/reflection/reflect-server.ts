/**
 * Asks a server's gRPC reflection (v1, else v1alpha) which services it hosts and turns the
 * FileDescriptorProtos it sends into a protobuf-es registry, so that services nobody compiled in
 * can be called. The one implementation: the SDK's ReflectionClient and the emulator's Gateway
 * both use it.
 */
import { create, createFileRegistry, fromBinary, type DescService, type FileRegistry } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, FileDescriptorSetSchema, type FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import type { Transport } from "@connectrpc/connect";
import { Code, VirtufinError } from "../../runtime/errors.js";
import { KNOWN_FILES } from "./known-files.js";
import {
  askIn,
  reflectionServiceName,
  type ReflectionAnswer,
  type ReflectionCall,
  type ReflectionQuestion,
  type ReflectionVersion,
} from "./reflection-protocol.js";

/** Services a server hosts for infrastructure; they are not part of its API. */
export const INFRASTRUCTURE_SERVICES: ReadonlySet<string> = new Set([
  "grpc.health.v1.Health",
  "grpc.reflection.v1.ServerReflection",
  "grpc.reflection.v1alpha.ServerReflection",
]);

/** What reflection revealed about a server. */
export interface ReflectedServer {
  /** The server's API services (infrastructure services left out), in the server's order. */
  readonly services: readonly DescService[];
  /** Every file the server described, for JSON of `Any` and friends. */
  readonly registry: FileRegistry;
  /** The reflection version the server answered in. */
  readonly version: ReflectionVersion;
}

/** Options of {@link reflectServer} and {@link listServiceNames}. */
export interface ReflectOptions {
  /** Deadline of each reflection call (default 5,000 ms). */
  readonly timeoutMs?: number;
  /** Extra request headers. */
  readonly headers?: HeadersInit;
  /** Aborts the reflection. */
  readonly signal?: AbortSignal;
  /** The version to try first, when known from an earlier answer (default: v1, then v1alpha). */
  readonly version?: ReflectionVersion;
}

/** The services a server lists (infrastructure services left out) and the version it answered in. */
export interface ServiceNames {
  /** The API services' full names, in the server's order. */
  readonly names: readonly string[];
  /** The reflection version the server answered in. */
  readonly version: ReflectionVersion;
}

const callOf = (transport: Transport, options: ReflectOptions): ReflectionCall => ({
  transport,
  timeoutMs: options.timeoutMs ?? 5_000,
  ...(options.signal ? { signal: options.signal } : {}),
  ...(options.headers ? { headers: options.headers } : {}),
});

/**
 * Lists a server's services. Tries reflection v1, then v1alpha when v1 is UNIMPLEMENTED; a server
 * with neither is an UNIMPLEMENTED VirtufinError that says so.
 */
export async function listServiceNames(transport: Transport, options: ReflectOptions = {}): Promise<ServiceNames> {
  const call = callOf(transport, options);
  const question: ReflectionQuestion = { case: "listServices", value: "" };
  // The version that answered last time first; the other still, in case the server changed.
  const versions: ReflectionVersion[] = options.version === "v1alpha" ? ["v1alpha", "v1"] : ["v1", "v1alpha"];
  for (const version of versions) {
    let answer: ReflectionAnswer;
    try {
      answer = await askIn(version, call, question);
    } catch (error) {
      if (error instanceof VirtufinError && error.code === Code.Unimplemented) continue;
      throw error;
    }
    if (answer.case !== "listServicesResponse") throw unusable(`it answered list_services with ${answer.case ?? "nothing"}`);
    const names = answer.value.service.map((s) => s.name).filter((name) => !INFRASTRUCTURE_SERVICES.has(name));
    return { names, version };
  }
  throw new VirtufinError(
    `the server does not offer gRPC server reflection (${["v1" as const, "v1alpha" as const].map(reflectionServiceName).join(" and ")} are unimplemented); ` +
      "call it with generated clients, or enable reflection on it",
    Code.Unimplemented,
  );
}

/** Queries a server's reflection service and builds a registry of its services. */
export async function reflectServer(transport: Transport, options: ReflectOptions = {}): Promise<ReflectedServer> {
  const { names, version } = await listServiceNames(transport, options);
  const call = callOf(transport, options);
  const protos = new Map<string, FileDescriptorProto>();
  const ask = async (questions: ReflectionQuestion[]) => {
    const answers = await Promise.all(questions.map((question) => askIn(version, call, question)));
    for (const answer of answers) {
      // An error answer (a symbol or file the server does not know) leaves a gap, judged below.
      if (answer.case !== "fileDescriptorResponse") continue;
      for (const bytes of answer.value.fileDescriptorProto) {
        const proto = fromBinary(FileDescriptorProtoSchema, bytes);
        if (!protos.has(proto.name)) protos.set(proto.name, proto);
      }
    }
  };
  await ask(names.map((name) => ({ case: "fileContainingSymbol", value: name })));
  // Servers may omit dependencies; fetch what is missing by file name, a few rounds at most.
  for (let round = 0; round < 5; round++) {
    const missing = [...new Set([...protos.values()].flatMap((p) => p.dependency))].filter(
      (dep) => !protos.has(dep) && !KNOWN_FILES.has(dep),
    );
    if (missing.length === 0) break;
    await ask(missing.map((name) => ({ case: "fileByFilename", value: name })));
  }
  for (const dep of [...protos.values()].flatMap((p) => p.dependency)) {
    const known = KNOWN_FILES.get(dep);
    if (!protos.has(dep) && known !== undefined) protos.set(dep, known.proto);
  }
  // An import the server never sent is usually there only for custom options (which stay
  // unknown fields); drop it so the rest can be used. A type really missing still fails below.
  for (const proto of protos.values()) {
    if (proto.dependency.some((dep) => !protos.has(dep))) {
      proto.dependency = proto.dependency.filter((dep) => protos.has(dep));
      proto.publicDependency = [];
      proto.weakDependency = [];
    }
  }
  let registry: FileRegistry;
  try {
    registry = createFileRegistry(create(FileDescriptorSetSchema, { file: dependenciesFirst(protos) }));
  } catch (err) {
    throw unusable(err instanceof Error ? err.message : String(err));
  }
  const services: DescService[] = [];
  for (const name of names) {
    const service = registry.getService(name);
    if (service !== undefined) services.push(service);
  }
  return { services, registry, version };
}

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

function unusable(why: string): VirtufinError {
  return new VirtufinError(`the server's reflection answer is unusable: ${why}`, Code.Unavailable);
}
