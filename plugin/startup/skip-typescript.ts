/**
 * Module loader hooks (registered by bin/protoc-gen-virtufin-ts.js with `module.register`) that
 * keep the TypeScript compiler out of a plugin run.
 *
 * @bufbuild/protoplugin statically imports `typescript` and `@typescript/vfs` for its optional
 * js/dts transpilation, which costs about half a second of start-up on every run. Our plugin
 * emits TypeScript only and refuses the js and dts targets before transpiling, so for imports
 * made by protoplugin these two modules are replaced by a stub that throws if ever called.
 */

/** The URL scheme of the stub modules. */
const STUB_SCHEME = "virtufin-skipped:";

const STUB_SOURCE = `
const skipped = () => {
  throw new Error("protoc-gen-virtufin-ts does not transpile (set the option target=ts)");
};
// Module interop probes (then, __esModule, default, symbols) see an empty object; any real use throws.
const probes = new Set(["then", "__esModule", "default"]);
export default new Proxy({}, {
  get: (_target, key) => (typeof key !== "string" || probes.has(key) ? undefined : skipped()),
});
export const createDefaultMapFromNodeModules = skipped;
export const createSystem = skipped;
export const createVirtualCompilerHost = skipped;
`;

interface ResolveContext {
  readonly parentURL?: string | undefined;
}
type ResolveResult = { url: string; shortCircuit?: boolean; format?: string | null };
type LoadResult = { format: string; source?: string | ArrayBuffer | Uint8Array | null; shortCircuit?: boolean };

/** Resolves `typescript` and `@typescript/vfs` imported by protoplugin to the stub. */
export async function resolve(
  specifier: string,
  context: ResolveContext,
  nextResolve: (specifier: string, context: ResolveContext) => Promise<ResolveResult>,
): Promise<ResolveResult> {
  if (
    (specifier === "typescript" || specifier === "@typescript/vfs") &&
    context.parentURL?.includes("/@bufbuild/protoplugin/") === true
  ) {
    return { url: STUB_SCHEME + specifier, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}

/** Loads the stub module. */
export async function load(
  url: string,
  context: object,
  nextLoad: (url: string, context: object) => Promise<LoadResult>,
): Promise<LoadResult> {
  if (url.startsWith(STUB_SCHEME)) {
    return { format: "module", source: STUB_SOURCE, shortCircuit: true };
  }
  return nextLoad(url, context);
}
