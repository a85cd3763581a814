/**
 * gRPC server reflection v1 (`grpc.reflection.v1.ServerReflection`) for a set of served
 * services, answered from the protobuf-es descriptors compiled into the server.
 */
import { create, toBinary, type DescFile, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import type { ConnectRouter, ServiceImpl } from "@connectrpc/connect";
import {
  ServerReflection,
  ServerReflectionResponseSchema,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
} from "../../generated/grpc/reflection/v1/reflection_pb.js";
import { KNOWN_FILES } from "./known-files.js";


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
      ? { case: "errorResponse", value: { $typeName: "grpc.reflection.v1.ErrorResponse", errorCode: NOT_FOUND, errorMessage: `${what} not found` } }
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
      return { case: "errorResponse", value: { $typeName: "grpc.reflection.v1.ErrorResponse", errorCode: UNIMPLEMENTED, errorMessage: "unsupported reflection request" } };
  }
}

/**
 * Registers gRPC server reflection v1 on a Connect router, for `services` (the router's own
 * services; ServerReflection itself is added). The Virtufin Gateway discovers a backend's methods
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
 * `files` resolves option-only imports that are neither well-known nor Virtufin's own, by name.
 */
export function registerReflection(router: ConnectRouter, services: readonly DescService[], files: readonly DescFile[] = []): void {
  router.service(ServerReflection, createReflectionService([...services, ServerReflection], files));
}

/**
 * Creates the reflection service implementation. `services` are every service the server hosts
 * (include Health and ServerReflection themselves so that `list_services` is complete); `files`
 * resolves option-only imports that are not among the well-known ones by name.
 */
export function createReflectionService(services: readonly DescService[], files: readonly DescFile[] = []): ServiceImpl<typeof ServerReflection> {
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

