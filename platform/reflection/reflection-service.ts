/**
 * gRPC server reflection v1 (`grpc.reflection.v1.ServerReflection`) for a set of served
 * services, answered from the protobuf-es descriptors compiled into the server; v1alpha answers
 * the same questions for older clients.
 */
import { create, fromBinary, toBinary, type DescFile, type DescMethod, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import type { ConnectRouter, ServiceImpl } from "@connectrpc/connect";
import {
  ServerReflection,
  ServerReflectionResponseSchema,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
} from "../../generated/grpc/reflection/v1/reflection_pb.js";
import * as v1alpha from "../../generated/grpc/reflection/v1alpha/reflection_pb.js";
import {
  ServerReflectionRequestSchema,
  ServerReflectionResponseSchema as V1ResponseSchema,
} from "../../generated/grpc/reflection/v1/reflection_pb.js";
import { KNOWN_FILES } from "./known-files.js";
import { asServerStreaming } from "./reflection-protocol.js";

/** Every import of a file: its resolved dependencies plus option-only imports known by name. */
function imports(file: DescFile, extra: ReadonlyMap<string, DescFile>): DescFile[] {
  const out = [...file.dependencies];
  const have = new Set(out.map((f) => f.name + ".proto"));
  for (const name of file.proto.dependency) {
    if (have.has(name)) continue;
    const known = extra.get(name) ?? KNOWN_FILES.get(name);
    if (known !== undefined) out.push(known);
  }
  return out;
}

/** gRPC status codes used in reflection's in-band ErrorResponse. */
const NOT_FOUND = 5;
const UNIMPLEMENTED = 12;

/** Everything reflection knows, indexed once per server. */
interface ReflectionIndex {
  readonly serviceNames: string[];
  readonly byFilename: Map<string, DescFile>;
  readonly bySymbol: Map<string, DescFile>;
  readonly encoded: Map<DescFile, Uint8Array>;
  readonly extra: ReadonlyMap<string, DescFile>;
}

function buildIndex(services: readonly DescService[], extra: ReadonlyMap<string, DescFile>): ReflectionIndex {
  const byFilename = new Map<string, DescFile>();
  const bySymbol = new Map<string, DescFile>();
  const encoded = new Map<DescFile, Uint8Array>();
  const addFile = (file: DescFile): void => {
    if (byFilename.has(file.name + ".proto")) return;
    byFilename.set(file.name + ".proto", file);
    encoded.set(file, toBinary(FileDescriptorProtoSchema, file.proto));
    for (const type of nestedTypes(file)) {
      bySymbol.set(type.typeName, file);
      if (type.kind === "service") for (const method of type.methods) bySymbol.set(`${type.typeName}.${method.name}`, file);
    }
    for (const dep of imports(file, extra)) addFile(dep);
  };
  for (const service of services) addFile(service.file);
  return { serviceNames: services.map((s) => s.typeName), byFilename, bySymbol, encoded, extra };
}

/** A file followed by its transitive dependencies, each once, as grpc reflection clients expect. */
function withDependencies(file: DescFile, extra: ReadonlyMap<string, DescFile>): DescFile[] {
  const out: DescFile[] = [];
  const seen = new Set<DescFile>();
  const visit = (f: DescFile): void => {
    if (seen.has(f)) return;
    seen.add(f);
    out.push(f);
    for (const dep of imports(f, extra)) visit(dep);
  };
  visit(file);
  return out;
}

function answer(index: ReflectionIndex, request: ServerReflectionRequest): ServerReflectionResponse["messageResponse"] {
  const files = (file: DescFile | undefined, what: string): ServerReflectionResponse["messageResponse"] =>
    file === undefined
      ? {
          case: "errorResponse",
          value: { $typeName: "grpc.reflection.v1.ErrorResponse", errorCode: NOT_FOUND, errorMessage: `${what} not found` },
        }
      : {
          case: "fileDescriptorResponse",
          value: {
            $typeName: "grpc.reflection.v1.FileDescriptorResponse",
            fileDescriptorProto: withDependencies(file, index.extra).map((f) => index.encoded.get(f) as Uint8Array),
          },
        };
  const req = request.messageRequest;
  switch (req.case) {
    case "listServices":
      return {
        case: "listServicesResponse",
        value: {
          $typeName: "grpc.reflection.v1.ListServiceResponse",
          service: index.serviceNames.map((name) => ({ $typeName: "grpc.reflection.v1.ServiceResponse", name })),
        },
      };
    case "fileByFilename":
      return files(index.byFilename.get(req.value), `file "${req.value}"`);
    case "fileContainingSymbol":
      return files(index.bySymbol.get(req.value), `symbol "${req.value}"`);
    case "fileContainingExtension":
      return files(undefined, `extension ${req.value.containingType}#${req.value.extensionNumber}`);
    case "allExtensionNumbersOfType":
      // The emulator's services declare no extension ranges that callers need to discover.
      return index.bySymbol.has(req.value)
        ? {
            case: "allExtensionNumbersResponse",
            value: { $typeName: "grpc.reflection.v1.ExtensionNumberResponse", baseTypeName: req.value, extensionNumber: [] },
          }
        : files(undefined, `type "${req.value}"`);
    default:
      return {
        case: "errorResponse",
        value: {
          $typeName: "grpc.reflection.v1.ErrorResponse",
          errorCode: UNIMPLEMENTED,
          errorMessage: "unsupported reflection request",
        },
      };
  }
}

/** Options of {@link registerReflection}. */
export interface RegisterReflectionOptions {
  /** Files that resolve option-only imports that are neither well-known nor Virtufin's own, by name. */
  files?: readonly DescFile[];
  /**
   * The router serves HTTP/1.1 only (e.g. a gRPC-Web port): reflection's bidi stream is then
   * served as one question per call, which reflection clients over gRPC-Web use.
   */
  http1?: boolean;
}

/**
 * Registers gRPC server reflection (v1 and v1alpha) on a Connect router, for `services` (the router's own
 * services; the reflection services themselves are added). The Virtufin Gateway discovers a backend's methods
 * through reflection before it dispatches `InvokeJson` to it, so a user's server that the Gateway
 * routes to registers it:
 *
 * @example
 * ```ts
 * import { connectNodeAdapter } from "@connectrpc/connect-node";
 * import { registerReflection } from "@virtufin/sdk/node";
 * const handler = connectNodeAdapter({
 *   routes(router) {
 *     router.service(Shop, shopImpl);
 *     registerReflection(router, [Shop]);
 *   },
 * });
 * ```
 *
 */
export function registerReflection(
  router: ConnectRouter,
  services: readonly DescService[],
  options: RegisterReflectionOptions = {},
): void {
  const v1 = createReflectionService([...services, ServerReflection, v1alpha.ServerReflection], options.files);
  const alpha = createReflectionServiceV1alpha(v1);
  if (options.http1) {
    // HTTP/1.1 carries no bidi streams: there reflection answers one question per call.
    for (const view of [serverStreamingService(ServerReflection, v1), serverStreamingService(v1alpha.ServerReflection, alpha)]) {
      router.service(view.desc, view.impl);
    }
    return;
  }
  router.service(ServerReflection, v1);
  router.service(v1alpha.ServerReflection, alpha);
}

/**
 * Creates the reflection service implementation. `services` are every service the server hosts
 * (include Health and ServerReflection themselves so that `list_services` is complete); `files`
 * resolves option-only imports that are not among the well-known ones by name.
 */
export function createReflectionService(
  services: readonly DescService[],
  files: readonly DescFile[] = [],
): ServiceImpl<typeof ServerReflection> {
  const index = buildIndex(services, new Map(files.map((f) => [f.name + ".proto", f])));
  return {
    async *serverReflectionInfo(requests) {
      for await (const request of requests) {
        yield create(ServerReflectionResponseSchema, {
          validHost: request.host,
          originalRequest: request,
          messageResponse: answer(index, request),
        });
      }
    },
  };
}

/**
 * Reflection v1alpha over the v1 implementation: the two versions have the same messages and
 * field numbers under another package, so each message is converted through its binary form.
 */
export function createReflectionServiceV1alpha(
  v1: ServiceImpl<typeof ServerReflection>,
): ServiceImpl<typeof v1alpha.ServerReflection> {
  return {
    async *serverReflectionInfo(requests, context) {
      async function* asV1() {
        for await (const request of requests)
          yield fromBinary(ServerReflectionRequestSchema, toBinary(v1alpha.ServerReflectionRequestSchema, request));
      }
      for await (const response of v1.serverReflectionInfo(asV1(), context)) {
        yield fromBinary(v1alpha.ServerReflectionResponseSchema, toBinary(V1ResponseSchema, create(V1ResponseSchema, response)));
      }
    },
  };
}

/**
 * A service whose bidi methods are registered as server-streaming (one request per call), for
 * HTTP/1.1 servers: Connect refuses bidi streams over HTTP/1.1, but a reflection question is one
 * message with one answer, which is what browsers and the SDK's ReflectionClient send.
 */
export function serverStreamingService<S extends DescService>(
  service: S,
  impl: ServiceImpl<S>,
): { desc: DescService; impl: object } {
  const methods: DescMethod[] = service.methods.map((m) => (m.methodKind === "bidi_streaming" ? asServerStreaming(m) : m));
  const desc = {
    ...service,
    methods,
    method: Object.fromEntries(methods.map((m) => [m.localName, m])),
  } as unknown as DescService;
  const wrapped: Record<string, unknown> = {};
  for (const method of service.methods) {
    const handler = (impl as Record<string, (...args: unknown[]) => unknown>)[method.localName];
    if (handler === undefined) continue;
    wrapped[method.localName] =
      method.methodKind === "bidi_streaming"
        ? (request: unknown, context: unknown) => handler.call(impl, once(request), context)
        : handler.bind(impl);
  }
  return { desc, impl: wrapped };
}

async function* once<T>(value: T): AsyncIterable<T> {
  yield value;
}
