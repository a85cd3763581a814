/**
 * Files the Virtufin SDK package already ships generated, imported by the files being generated.
 *
 * A user's proto imports `virtufin/options.proto` (and often `google/api/client.proto` for
 * `method_signature`). protoc-gen-es then writes `import ... from "./virtufin/options_pb.js"`,
 * a file nobody generates unless the user knows to turn on `include_imports` — and generating it
 * would make a second copy of descriptors the SDK already has. Instead this plugin writes a
 * one-line module at that path that re-exports the SDK's copy, so the generated code compiles
 * and shares the SDK's descriptors.
 */
import type { DescFile } from "@bufbuild/protobuf";

/** One re-export module to write. */
export interface SdkImportModel {
  /** Output path, as protoc-gen-es names the file's module (`virtufin/options_pb.ts`). */
  readonly outputName: string;
  /** The SDK module it re-exports (`@virtufin/sdk/gen/virtufin/options_pb`). */
  readonly from: string;
  /** The proto file it stands for. */
  readonly proto: DescFile;
}

/** Proto files the SDK package ships with their generated code (names without `.proto`). */
function shippedBySdk(name: string): boolean {
  return name.startsWith("virtufin/") || name === "google/api/client";
}

/**
 * The re-export modules needed by `files`: one per SDK file they import that is not generated in
 * this run. Only when `runtime` names the SDK package's runtime entry (`<pkg>/runtime`): with a
 * relative runtime (this repository's own build) there is no package to re-export from.
 */
export function buildSdkImports(files: readonly DescFile[], runtime: string): SdkImportModel[] {
  const match = /^((?:@[^/]+\/)?[^./][^/]*)\/runtime$/.exec(runtime);
  if (match === null) return [];
  const generated = new Set(files.map((f) => f.name));
  const out = new Map<string, SdkImportModel>();
  for (const file of files) {
    for (const dep of file.dependencies) {
      if (!shippedBySdk(dep.name) || generated.has(dep.name) || out.has(dep.name)) continue;
      const base = `${dep.name}_pb`;
      out.set(dep.name, { outputName: `${base}.ts`, from: `${match[1]}/gen/${base}`, proto: dep });
    }
  }
  return [...out.values()].sort((a, b) => a.outputName.localeCompare(b.outputName));
}
