/**
 * Bundles a browser test page with esbuild (platform "browser", no shims, package names resolved
 * through node_modules to the built packages) and serves it with an index.html.
 */
import { build } from "esbuild";
import { ensureSdkBuilt } from "./built-sdk.js";
import { serveStatic, type StaticServer } from "./static-server.js";

/** Bundles `entry` (after making sure the SDK's dist/ is current) into one ESM script. */
export async function bundleForBrowser(entry: string): Promise<string> {
  ensureSdkBuilt();
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
    // tsconfig.json maps package names to the sources; the browser gets the built package.
    tsconfigRaw: "{}",
  });
  const [file] = result.outputFiles;
  if (!file) throw new Error(`esbuild produced nothing for ${entry}`);
  return file.text;
}

/** Serves `script` as /main.js of an empty page at /. */
export function servePage(script: string): Promise<StaticServer> {
  const html =
    '<!doctype html><meta charset="utf-8"><title>virtufin browser test</title><body><script type="module" src="/main.js"></script></body>';
  return serveStatic(
    new Map<string, string>([
      ["/index.html", html],
      ["/main.js", script],
    ]),
  );
}
