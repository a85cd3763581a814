/**
 * Bundles one page the way an application would and measures it, minified and gzipped (level 9):
 *  - esbuild (browser platform, ESM, minified, tree-shaken, one file: esbuild's default, so code
 *    behind `import()` is counted too);
 *  - Rollup with @rollup/plugin-node-resolve (`browser: true`), chunks minified by esbuild: what
 *    the page loads at start (entry and static imports) and, apart, the chunks it loads on demand.
 * Package names resolve through node_modules, i.e. to the built packages; tsconfig.json's paths
 * (which point at the sources) are ignored.
 */
import { gzipSync } from "node:zlib";
import { nodeResolve } from "@rollup/plugin-node-resolve";
import { build, transform } from "esbuild";
import { rollup, type Plugin } from "rollup";

/**
 * The budgets: each SDK page (pages/<sdk>.ts) against the raw Connect page that makes the same
 * calls (pages/<raw>.ts), min+gz. `npm run bench:bundle` reports them for esbuild and Rollup;
 * test/browser/bundlers.test.ts fails when the esbuild one is missed.
 */
export const BUDGETS = [
  {
    name: "`WorkManagerClient` vs raw `createClient(WorkManager, createGrpcWebTransport(...))`",
    sdk: "sdk-workmanager",
    raw: "raw-workmanager",
    budget: 1.15,
  },
  { name: "`ApiClient` vs raw clients of Gateway, State and Pubsub", sdk: "sdk-api-client", raw: "raw-platform", budget: 1.25 },
] as const;

/** One page's esbuild bundle, measured. */
export interface EsbuildSize {
  /** Minified bytes. */
  minified: number;
  /** Gzipped bytes. */
  gzipped: number;
  /** The bundle's inputs with their minified bytes in the output, largest first (esbuild's metafile). */
  inputs: Array<{ path: string; bytes: number }>;
  /** The bundle's text (for checks such as "no node: import"). */
  text: string;
}

/** Bundles `entry` with esbuild. */
export async function esbuildPage(entry: string): Promise<EsbuildSize> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    metafile: true,
    logLevel: "silent",
    tsconfigRaw: "{}",
  });
  const [file] = result.outputFiles;
  const output = Object.values(result.metafile.outputs)[0];
  if (!file || !output) throw new Error(`esbuild produced nothing for ${entry}`);
  return {
    minified: file.contents.length,
    gzipped: gzipSync(file.contents, { level: 9 }).length,
    inputs: Object.entries(output.inputs)
      .map(([path, { bytesInOutput }]) => ({ path, bytes: bytesInOutput }))
      .sort((a, b) => b.bytes - a.bytes),
    text: file.text,
  };
}

/** One page's Rollup bundle, measured per chunk. */
export interface RollupSize {
  /** Gzipped bytes the page loads at start (entry chunk and its static imports, each minified and gzipped). */
  initialGzipped: number;
  /** Gzipped bytes of the chunks loaded only through `import()`. */
  lazyGzipped: number;
  /** Every chunk's code, unminified. */
  chunks: string[];
}

/** Lets Rollup read TypeScript pages, through esbuild's transform (types stripped, nothing else). */
export const typescript: Plugin = {
  name: "typescript",
  async transform(code, id) {
    return id.endsWith(".ts") ? (await transform(code, { loader: "ts", format: "esm", target: "es2022" })).code : null;
  },
};

/** Bundles `entry` with Rollup and node-resolve's `browser: true`. */
export async function rollupPage(entry: string): Promise<RollupSize> {
  const bundle = await rollup({
    input: entry,
    plugins: [typescript, nodeResolve({ browser: true, extensions: [".ts", ".js"] })],
    logLevel: "silent",
  });
  try {
    const { output } = await bundle.generate({ format: "es" });
    const chunks = output.flatMap((o) => (o.type === "chunk" ? [o] : []));
    const initial = new Set<string>();
    const visit = (name: string) => {
      if (initial.has(name)) return;
      initial.add(name);
      for (const imported of chunks.find((c) => c.fileName === name)?.imports ?? []) visit(imported);
    };
    for (const chunk of chunks) if (chunk.isEntry) visit(chunk.fileName);
    let initialGzipped = 0;
    let lazyGzipped = 0;
    for (const chunk of chunks) {
      const minified = (await transform(chunk.code, { minify: true, format: "esm", target: "es2022" })).code;
      const gzipped = gzipSync(minified, { level: 9 }).length;
      if (initial.has(chunk.fileName)) initialGzipped += gzipped;
      else lazyGzipped += gzipped;
    }
    return { initialGzipped, lazyGzipped, chunks: chunks.map((c) => c.code) };
  } finally {
    await bundle.close();
  }
}
