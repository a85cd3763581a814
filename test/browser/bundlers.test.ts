/**
 * The built `@virtufin/sdk` bundles for browsers with no configuration and no shims in esbuild
 * (platform "browser"), Vite and Rollup (@rollup/plugin-node-resolve with `browser: true`), and
 * nothing of Node's stack is reachable from its main entry under browser conditions.
 */
import { fileURLToPath } from "node:url";
import { nodeResolve } from "@rollup/plugin-node-resolve";
import { build as esbuild, type Plugin as EsbuildPlugin } from "esbuild";
import { rollup, type RollupOutput } from "rollup";
import { build as vite } from "vite";
import { beforeAll, describe, expect, it } from "vitest";
import { BUDGETS, esbuildPage, typescript } from "../../bench/bundle/measure.js";
import { ensureSdkBuilt, ROOT } from "../support/built-sdk.js";

const pages = {
  "the whole SDK": fileURLToPath(new URL("./pages/whole-sdk.ts", import.meta.url)),
  "an ApiClient page": `${ROOT}bench/bundle/pages/sdk-api-client.ts`,
  "a WorkManagerClient page": `${ROOT}bench/bundle/pages/sdk-workmanager.ts`,
};

/** Node's stack, by module path: connect-node, Node built-ins, Node-only SDK modules. */
const NODE_ONLY =
  /(^|[\\/])(connect-node|node:)|^node:|runtime[\\/]transport[\\/]node\.js|runtime[\\/]runners[\\/]signals\.js|create-worker-from-file\.js|reflection-service\.js|^(http2?|https|zlib|net|tls|fs|child_process|events|os|path)$/;

/** What a bundle's code must not contain: an import of a Node built-in, or Vite's stand-in for one. */
const NODE_IMPORT = /(from\s*|import\s*\(\s*|require\s*\(\s*)["']node:|__vite-browser-external/;

function rollupModules(output: ReadonlyArray<RollupOutput["output"][number]>): { modules: string[]; code: string } {
  const chunks = output.flatMap((o) => (o.type === "chunk" ? [o] : []));
  return { modules: chunks.flatMap((c) => Object.keys(c.modules)), code: chunks.map((c) => c.code).join("\n") };
}

beforeAll(() => ensureSdkBuilt(), 120_000);

describe.each(Object.entries(pages))("%s", (_name, entry) => {
  it("bundles with esbuild (platform browser, no configuration) and nothing of Node's stack is in it", async () => {
    const result = await esbuild({
      entryPoints: [entry],
      bundle: true,
      format: "esm",
      platform: "browser",
      write: false,
      metafile: true,
      logLevel: "silent",
      tsconfigRaw: "{}",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((input) => input.startsWith("packages/sdk/dist/"))).toBe(true);
    expect(inputs.filter((input) => NODE_ONLY.test(input))).toEqual([]);
    expect(result.outputFiles[0]!.text).not.toMatch(NODE_IMPORT);
  });

  it("bundles with Vite (no configuration) and nothing of Node's stack is in it", async () => {
    const out = (await vite({
      configFile: false,
      root: ROOT,
      logLevel: "silent",
      build: { write: false, rollupOptions: { input: entry } },
    })) as RollupOutput | RollupOutput[];
    const { modules, code } = rollupModules((Array.isArray(out) ? out : [out]).flatMap((o) => o.output));
    expect(modules.some((m) => m.includes("packages/sdk/dist/"))).toBe(true);
    expect(modules.filter((m) => NODE_ONLY.test(m))).toEqual([]);
    expect(code).not.toMatch(NODE_IMPORT);
  }, 60_000);

  it("bundles with Rollup and node-resolve (browser: true) and nothing of Node's stack is in it", async () => {
    const warnings: string[] = [];
    const bundle = await rollup({
      input: entry,
      plugins: [typescript, nodeResolve({ browser: true, extensions: [".ts", ".js"] })],
      onwarn: (w) => void warnings.push(w.message),
    });
    try {
      const { modules, code } = rollupModules((await bundle.generate({ format: "es" })).output);
      expect(modules.some((m) => m.includes("packages/sdk/dist/"))).toBe(true);
      expect(modules.filter((m) => NODE_ONLY.test(m))).toEqual([]);
      expect(code).not.toMatch(NODE_IMPORT);
      // An unresolved import (a Node built-in would be one) is a warning in Rollup: none.
      expect(warnings.filter((w) => /unresolved|external/i.test(w))).toEqual([]);
    } finally {
      await bundle.close();
    }
  });
});

describe("the SDK's main entry under browser conditions", () => {
  it("reaches no node: import, no Node built-in and no connect-node, while its Node conditions do", async () => {
    const reached = async (platform: "browser" | "node") => {
      const seen: string[] = [];
      const record: EsbuildPlugin = {
        name: "record",
        setup(build) {
          build.onResolve({ filter: /.*/ }, (args) => {
            seen.push(args.path);
            return undefined;
          });
        },
      };
      await esbuild({
        entryPoints: [pages["the whole SDK"]],
        bundle: true,
        format: "esm",
        platform,
        write: false,
        logLevel: "silent",
        tsconfigRaw: "{}",
        plugins: [record],
      });
      return seen;
    };
    const browser = await reached("browser");
    expect(browser).toContain("#transport");
    expect(browser.filter((path) => NODE_ONLY.test(path))).toEqual([]);
    // The same check sees Node's stack when it is there: under the node condition.
    const node = await reached("node");
    expect(node.filter((path) => NODE_ONLY.test(path)).length).toBeGreaterThan(0);
  });
});

describe("what a page does not use, it does not carry", () => {
  /** Code a plain ApiClient page does not ask for: telemetry, typed gateway proxies, responders and lifecycle runners. */
  const UNASKED =
    /@opentelemetry|runtime[\\/]telemetry[\\/](telemetry|load|support|interceptor)\.js|_client\.js$(?<!(gateway|state|pubsub|health)_client\.js)|(workmanager|websocketmanager)_pb\.js|runtime[\\/]runners[\\/]runner\.js/;

  it("an ApiClient page carries no telemetry, no gateway proxy and no responder; a page that asks for them does", async () => {
    const inputs = async (entry: string) => (await esbuildPage(entry)).inputs.map((input) => input.path);
    const plain = await inputs(pages["an ApiClient page"]);
    expect(plain.some((path) => path.endsWith("platform/api-client.js"))).toBe(true);
    expect(plain.filter((path) => UNASKED.test(path))).toEqual([]);
    // The same check sees them in the whole SDK, which imports everything.
    const whole = await inputs(pages["the whole SDK"]);
    expect(whole.filter((path) => UNASKED.test(path)).length).toBeGreaterThan(4);
  });

  it("the oneof shorthand comes only with a client whose requests have a oneof (WorkManager's, not the platform's)", async () => {
    // normalizeInit's own error, which nothing else in the SDK says.
    const shorthand = /may be set \(oneof /;
    expect((await esbuildPage(pages["an ApiClient page"])).text).not.toMatch(shorthand);
    expect((await esbuildPage(pages["a WorkManagerClient page"])).text).toMatch(shorthand);
  });
});

describe("the bundle size budgets (bench/bundle/README.md), as esbuild bundles the built package", () => {
  it.each(BUDGETS)("$name: within $budget× of raw connect-web, min+gz", async ({ sdk, raw, budget }) => {
    const page = (name: string) => `${ROOT}bench/bundle/pages/${name}.ts`;
    const [ours, anchor] = await Promise.all([esbuildPage(page(sdk)), esbuildPage(page(raw))]);
    // Deterministic for a given lock file: a change that misses a budget fails here, not only in the bench.
    expect(ours.gzipped / anchor.gzipped).toBeLessThanOrEqual(budget);
  });
});
