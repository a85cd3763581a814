#!/usr/bin/env node
// Bundles the plugin (plugin/main.ts and everything it imports, @bufbuild/protobuf,
// @bufbuild/protoplugin and the handlebars runtime included) into one ES module,
// packages/protoc-gen-virtufin-ts/dist/main.js, with esbuild.
//
// Why one file: buf starts the plugin once per generation, and resolving and loading about a
// hundred modules cost 0.2 s of CPU per run, a fifth of a run on a large input. `typescript` and
// `@typescript/vfs`, which protoplugin imports for the js/dts transpilation we refuse, are
// replaced by plugin/startup/typescript-stub.ts, so no loader hook is needed either.
//
// The bundle carries third-party code, so the build writes dist/THIRD-PARTY-LICENSES.txt: each
// bundled package with its version, its license and the license text the package ships.
//
//   node scripts/bundle-plugin.mjs
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const target = join(root, "packages", "protoc-gen-virtufin-ts", "dist");
// Where to write (build.mjs passes a staging folder that it then swaps in as dist/).
const dist = process.argv[2] ?? target;
const stub = join(root, "plugin", "startup", "typescript-stub.ts");

const result = await build({
  entryPoints: [join(root, "plugin", "main.ts")],
  outfile: join(dist, "main.js"),
  bundle: true,
  platform: "node",
  format: "esm",
  // The bin's floor (package.json engines).
  target: "node20",
  alias: { typescript: stub, "@typescript/vfs": stub },
  metafile: true,
  logLevel: "warning",
});

// node_modules/<name> or node_modules/@scope/<name> of every bundled input.
const packages = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (m) packages.add(m[1]);
}
const notices = [...packages].sort().map((name) => {
  const dir = join(root, "node_modules", name);
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const licenseFile = ["LICENSE", "LICENSE.md", "LICENSE.txt"].map((f) => join(dir, f)).find((f) => existsSync(f));
  const text = licenseFile ? readFileSync(licenseFile, "utf8").trim() : "(the package ships no license file)";
  return `${name}@${pkg.version}, license: ${pkg.license}, ${pkg.homepage ?? pkg.repository?.url ?? ""}\n\n${text}`;
});
writeFileSync(
  join(dist, "THIRD-PARTY-LICENSES.txt"),
  `dist/main.js bundles the following packages (${relative(root, target)} is built by scripts/bundle-plugin.mjs).\n\n` +
    notices.join("\n\n" + "-".repeat(78) + "\n\n") +
    "\n",
);
