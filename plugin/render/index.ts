/** Public face of the render layer: a file model in, TypeScript printed through protoplugin. */
export { renderFile } from "./render-file.js";
