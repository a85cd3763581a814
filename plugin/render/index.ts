/** Public face of the render layer: a file model in, TypeScript printed through protoplugin. */
export { renderFile } from "./render-file.js";
export { createEsNames } from "./es-names.js";
export type { EsNames } from "./es-names.js";
