/**
 * The handlebars runtime (no compiler: templates are precompiled by scripts/bundle-templates.mjs),
 * typed with the full package's declarations.
 */
import type * as HandlebarsApi from "handlebars";
import runtime from "handlebars/runtime.js";

/** The handlebars runtime module. */
export const Handlebars = runtime as typeof HandlebarsApi;
