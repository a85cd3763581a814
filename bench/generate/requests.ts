/**
 * Builds the saved `CodeGeneratorRequest`s every plugin is fed.
 *
 * We let `buf generate` itself produce the request, through a capture plugin that only saves its
 * stdin (`capture-request.cjs`). That gives exactly the bytes buf would send a real plugin —
 * source info, `source_file_descriptors` (a second copy of the input files with their comments)
 * and all — instead of our guess at them. Each plugin then gets those bytes with only the
 * `parameter` field changed, so every plugin reads the same input from stdin and the harness
 * times the plugin alone, not buf.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { CodeGeneratorRequestSchema, type CodeGeneratorRequest } from "@bufbuild/protobuf/wkt";

/** Facts about a request, printed so a reader can check the input is what it claims to be. */
export interface RequestStats {
  /** Size of the serialized request in bytes (parameter empty). */
  readonly bytes: number;
  /** Number of files to generate. */
  readonly files: number;
  /** Services across the files to generate. */
  readonly services: number;
  /** Methods across the files to generate. */
  readonly methods: number;
  /** Messages (top-level and nested, map entries excluded) across the files to generate. */
  readonly messages: number;
  /** Source-info locations across the files to generate. */
  readonly locations: number;
  /** Locations with a leading or trailing comment: zero would mean comments were dropped. */
  readonly commentedLocations: number;
}

/** A captured request: the decoded message, to re-encode with each plugin's parameter. */
export interface SavedRequest {
  /** The request as buf generate sent it (parameter cleared). */
  readonly request: CodeGeneratorRequest;
  /** What it holds. */
  readonly stats: RequestStats;
}

const CAPTURE_SCRIPT = resolve(import.meta.dirname, "capture-request.cjs");

/**
 * Runs `buf generate` on `protoDir` with the capture plugin and returns the request buf sent.
 * `workDir` receives the template and the raw request (`request.binpb`).
 */
export function captureRequest(bufBin: string, protoDir: string, workDirArg: string): SavedRequest {
  const workDir = resolve(workDirArg);
  mkdirSync(workDir, { recursive: true });
  const saved = join(workDir, "request.binpb");
  const template = join(workDir, "buf.gen.yaml");
  // strategy: all → one request for the whole directory, as our buf.gen.yaml uses for Node
  // plugins. JSON is valid YAML, so no YAML writer is needed.
  writeFileSync(
    template,
    JSON.stringify({
      version: "v2",
      inputs: [{ directory: resolve(protoDir) }],
      plugins: [{ local: [process.execPath, CAPTURE_SCRIPT, saved], out: join(workDir, "out"), strategy: "all" }],
    }),
  );
  execFileSync(bufBin, ["generate", "--template", template], {
    cwd: workDir,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const request = fromBinary(CodeGeneratorRequestSchema, readFileSync(saved));
  request.parameter = "";
  return { request, stats: describeRequest(request) };
}

/** Serializes `saved` with the plugin's `parameter`; every other byte stays as buf sent it. */
export function encodeRequest(saved: SavedRequest, parameter: string): Uint8Array {
  return toBinary(CodeGeneratorRequestSchema, { ...saved.request, parameter });
}

function describeRequest(request: CodeGeneratorRequest): RequestStats {
  const targets = new Set(request.fileToGenerate);
  let services = 0;
  let methods = 0;
  let messages = 0;
  let locations = 0;
  let commentedLocations = 0;
  for (const file of request.protoFile) {
    if (!targets.has(file.name)) continue;
    services += file.service.length;
    for (const s of file.service) methods += s.method.length;
    const stack = [...file.messageType];
    // Bounded by the (finite) descriptor tree: each message is popped once.
    while (stack.length > 0) {
      const m = stack.pop()!;
      messages++;
      stack.push(...m.nestedType.filter((n) => n.options?.mapEntry !== true));
    }
    for (const loc of file.sourceCodeInfo?.location ?? []) {
      locations++;
      if ((loc.leadingComments ?? "") !== "" || (loc.trailingComments ?? "") !== "") commentedLocations++;
    }
  }
  return {
    bytes: toBinary(CodeGeneratorRequestSchema, request).length,
    files: request.fileToGenerate.length,
    services,
    methods,
    messages,
    locations,
    commentedLocations,
  };
}

/** Path of the buf binary installed by `@bufbuild/buf` under `root`. */
export function bufBinary(root: string): string {
  return resolve(root, "node_modules", ".bin", "buf");
}
