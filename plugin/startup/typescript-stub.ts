/**
 * Stands in for `typescript` and `@typescript/vfs` in the bundled plugin (scripts/bundle-plugin.mjs
 * aliases both to this module).
 *
 * @bufbuild/protoplugin statically imports them for its optional js/dts transpilation, which
 * would put the TypeScript compiler (about half a second of start-up) into every run. Our plugin
 * emits TypeScript only and refuses the js and dts targets before transpiling, so the stub is
 * never called; if it ever were, it fails loudly instead of producing wrong output.
 */

function skipped(): never {
  throw new Error("protoc-gen-virtufin-ts does not transpile (set the option target=ts)");
}

// Module interop probes (then, __esModule, default, symbols) see an empty object; any real use throws.
const probes: ReadonlySet<string> = new Set(["then", "__esModule", "default"]);

/** The stub's default export: every property access except interop probes throws. */
const stub: Record<string, unknown> = new Proxy(
  {},
  { get: (_target, key) => (typeof key !== "string" || probes.has(key) ? undefined : skipped()) },
);
export default stub;

/** What protoplugin imports from `@typescript/vfs`; throws. */
export const createDefaultMapFromNodeModules = skipped;
/** What protoplugin imports from `@typescript/vfs`; throws. */
export const createSystem = skipped;
/** What protoplugin imports from `@typescript/vfs`; throws. */
export const createVirtualCompilerHost = skipped;
