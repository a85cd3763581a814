/**
 * The generation step: options (already parsed) → model → render, one client file per proto
 * file that has services.
 */
import type { Schema } from "@bufbuild/protoplugin";
import { buildFileModel, buildSdkImports, CLIENT_FILE_SUFFIX, createCommentIndex } from "./model/index.js";
import type { VirtufinPluginOptions } from "./options/index.js";
import { createEsNames, renderFile } from "./render/index.js";

/** Generates the TypeScript clients of every file to generate. */
export function generateTs(schema: Schema<VirtufinPluginOptions>): void {
  const comments = createCommentIndex();
  const names = createEsNames(schema.files, schema.options.bootstrapWkt);
  for (const file of schema.files) {
    const model = buildFileModel(file, schema.options, comments);
    if (model !== undefined) {
      renderFile(schema.generateFile(model.outputName), model, names);
    } else if (schema.options.keepEmptyFiles) {
      // protoplugin drops files without content unless keep_empty_files is set: then a file
      // without services gets its (preamble-only) client file, as protoc-gen-es does for _pb.
      schema.generateFile(file.name + CLIENT_FILE_SUFFIX).preamble(file);
    }
  }
  for (const shim of buildSdkImports(schema.files, schema.options.runtime)) {
    const f = schema.generateFile(shim.outputName);
    f.preamble(shim.proto);
    f.print("// Re-exports the Virtufin SDK's generated code for this file, so that imports of it");
    f.print("// resolve to the SDK's descriptors instead of a second copy.");
    f.print("export * from ", f.string(shim.from), ";");
  }
}

/**
 * Refuses the js and dts targets with an error naming the option: the plugin emits TypeScript
 * only (transpiling would load the TypeScript compiler into every run).
 */
export function refuseTarget(target: "js" | "dts"): never {
  throw new Error(
    `target "${target}" is not supported: ${"protoc-gen-virtufin-ts"} emits TypeScript only; ` +
      "set the option target=ts (protoplugin's default target is js+dts)",
  );
}
