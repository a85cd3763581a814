#!/usr/bin/env node
// Builds the three packages from the top-level sources (`npm run build`, and each package's
// prepack):
//   plugin    templates/ bundled into plugin/render, plugin/ bundled (esbuild) into
//             packages/protoc-gen-virtufin-ts/dist/main.js
//   sdk       index.ts, node.ts, runtime/, platform/, generated/ compiled to packages/sdk/dist;
//             proto/ copied to packages/sdk/proto (users' protos import virtufin/options.proto)
//   emulator  emulator/ compiled to packages/emulator/dist (it imports the SDK by package name, so
//             the SDK is built first), with the worker host scripts it runs and the web UI (Vite)
//
//   node scripts/build.mjs [plugin|sdk|emulator ...]   (default: all, in that order)
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");

function run(what, args) {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    console.error(`build: ${what} failed`);
    process.exit(result.status ?? 1);
  }
}

/**
 * Builds a folder (a package's dist/ or proto/) into a fresh one beside it and swaps it in, so
 * whatever reads the package meanwhile (tests running in parallel, `npm pack`'s prepack of a
 * sibling package) never finds it missing or half-written.
 */
function replaceDir(target, build) {
  const next = `${target}.next-${process.pid}`;
  const old = `${target}.old-${process.pid}`;
  rmSync(next, { recursive: true, force: true });
  build(next);
  if (existsSync(target)) renameSync(target, old);
  renameSync(next, target);
  rmSync(old, { recursive: true, force: true });
}

function compile(pkg, outDir) {
  run(`tsc (${pkg})`, [tsc, "-p", join(root, "packages", pkg, "tsconfig.json"), "--outDir", outDir]);
}

const steps = {
  plugin() {
    run("bundling templates", [join(root, "scripts", "bundle-templates.mjs")]);
    // One file, not tsc's module tree: a plugin run starts faster (see bundle-plugin.mjs).
    // Type-checking is the root tsconfig's job (npx tsc --noEmit -p tsconfig.json).
    replaceDir(join(root, "packages", "protoc-gen-virtufin-ts", "dist"), (out) =>
      run("bundling the plugin", [join(root, "scripts", "bundle-plugin.mjs"), out]),
    );
  },
  sdk() {
    const dir = join(root, "packages", "sdk");
    replaceDir(join(dir, "dist"), (out) => compile("sdk", out));
    replaceDir(join(dir, "proto"), (out) => cpSync(join(root, "proto"), out, { recursive: true }));
  },
  emulator() {
    if (!existsSync(join(root, "packages", "sdk", "dist", "index.d.ts"))) steps.sdk();
    replaceDir(join(root, "packages", "emulator", "dist"), (out) => {
      compile("emulator", out);
      cpSync(join(root, "emulator", "workmanager", "hosts"), join(out, "workmanager", "hosts"), { recursive: true });
      // The web UI, bundled for browsers (it uses the SDK's browser entry) into dist/emulator-ui.
      run("vite build (emulator UI)", [
        join(root, "node_modules", "vite", "bin", "vite.js"),
        "build",
        "--config",
        join(root, "emulator", "ui", "vite.config.ts"),
        "--outDir",
        join(out, "emulator-ui"),
        "--emptyOutDir",
      ]);
    });
  },
};

const asked = process.argv.slice(2);
for (const name of asked.length ? asked : Object.keys(steps)) {
  if (!(name in steps)) {
    console.error(`build: unknown package "${name}" (plugin, sdk or emulator)`);
    process.exit(2);
  }
  steps[name]();
}
