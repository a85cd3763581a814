/** Public face of the option layer: strict parsing of the plugin parameter. */
export { parsePluginOptions, OWN_OPTION_KEYS } from "./parse-options.js";
export type { VirtufinPluginOptions, RawOption } from "./parse-options.js";
