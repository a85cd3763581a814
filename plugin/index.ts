/**
 * protoc-gen-virtufin-ts: a protoc/buf plugin that turns proto services into typed async
 * TypeScript clients on top of protoc-gen-es messages and the Virtufin runtime.
 *
 * Layers (data flows one way): options/ (strict parameter parsing) → model/ (every naming
 * decision, as plain data) → render/ (bundled handlebars templates; imports through protoplugin).
 */
import { create } from "@bufbuild/protobuf";
import { CodeGeneratorResponseSchema, type CodeGeneratorRequest, type CodeGeneratorResponse } from "@bufbuild/protobuf/wkt";
import { createEcmaScriptPlugin, type Plugin } from "@bufbuild/protoplugin";
import { generateTs, refuseTarget } from "./generate.js";
import { checkParameter, parsePluginOptions, runtimeWarning } from "./options/index.js";
import { PLUGIN_NAME, PLUGIN_VERSION } from "./version.js";

const ecmaScriptPlugin = createEcmaScriptPlugin({
  name: PLUGIN_NAME,
  version: PLUGIN_VERSION,
  parseOptions: parsePluginOptions,
  generateTs: (schema) => generateTs(schema),
  generateJs: () => refuseTarget("js"),
  generateDts: () => refuseTarget("dts"),
});

/**
 * The plugin. Problems with the user's input (an unknown or malformed option, an unsupported
 * target, a bad `google.api.method_signature`) come back as the CodeGeneratorResponse `error`,
 * which protoc and buf print as the plugin's failure; only a bug of the plugin throws.
 */
export const protocGenVirtufinTs: Plugin = {
  name: ecmaScriptPlugin.name,
  version: ecmaScriptPlugin.version,
  run(request: CodeGeneratorRequest): CodeGeneratorResponse {
    try {
      // Our options first, so that an error names just the offending option.
      const { runtime } = checkParameter(request.parameter);
      // stderr, not the response: protoc and buf pass a plugin's stderr through to the user.
      const warning = runtimeWarning(runtime, process.cwd());
      if (warning !== undefined) process.stderr.write(warning + "\n");
      return ecmaScriptPlugin.run(request);
    } catch (err) {
      return create(CodeGeneratorResponseSchema, { error: err instanceof Error ? err.message : String(err) });
    }
  },
};

export { parsePluginOptions } from "./options/index.js";
export type { VirtufinPluginOptions } from "./options/index.js";
export { PLUGIN_NAME, PLUGIN_VERSION } from "./version.js";
