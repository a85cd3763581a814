/** Public face of the option layer: strict parsing of the plugin parameter. */
export {
  checkParameter,
  OWN_OPTION_KEYS,
  parsePluginOptions,
  PluginOptionsError,
  PROTOPLUGIN_OPTION_KEYS,
} from "./parse-options.js";
export type { VirtufinPluginOptions, RawOption } from "./parse-options.js";
export { runtimePackage, runtimeWarning } from "./runtime-check.js";
