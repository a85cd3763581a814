#!/usr/bin/env node
// Completes package-lock.json with the platform-specific optional packages this machine's
// registry does not serve (it serves Linux builds only, answering 404 for darwin, win32, ...).
// npm 11 leaves them out of the lock, and `npm ci` then refuses the lock as out of sync. An entry
// with the package's os/cpu lets `npm ci` skip it on every platform it does not fit, without
// fetching anything. Run after any `npm install` that changes the lock: node scripts/complete-lockfile.mjs
import { readFileSync, writeFileSync } from "node:fs";

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
const packages = lock.packages;

/** os and cpu from names such as @rollup/rollup-darwin-arm64, @esbuild/win32-x64, @bufbuild/buf-linux-armv7. */
function platformOf(name) {
  const os = ["android", "darwin", "freebsd", "linux", "openbsd", "sunos", "win32", "aix", "netbsd", "openharmony"].find((o) =>
    new RegExp(`(^|[-/])${o}([-/]|$)`).test(name),
  );
  const cpu = [
    "arm64",
    "aarch64",
    "arm",
    "armv7",
    "ia32",
    "loong64",
    "mips64el",
    "ppc64",
    "riscv64",
    "s390x",
    "x64",
    "wasm32",
  ].find((c) => new RegExp(`[-/]${c}([-/]|$)`).test(name));
  const npmCpu = { aarch64: "arm64", armv7: "arm" }[cpu] ?? cpu;
  return { os, cpu: npmCpu };
}

let added = 0;
for (const [key, entry] of Object.entries(packages)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = key === "" ? "node_modules" : `${key}/node_modules`;
    if (packages[`${base}/${dep}`] || packages[`node_modules/${dep}`]) continue;
    const { os, cpu } = platformOf(dep);
    if (!os && !cpu) continue; // not a platform build: leave npm's judgement alone
    packages[`node_modules/${dep}`] = {
      version,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      ...(os ? { os: [os] } : {}),
      ...(cpu ? { cpu: [cpu] } : {}),
    };
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : a > b ? 1 : 0)),
);
writeFileSync(path, JSON.stringify(lock, null, 2) + "\n");
console.log(`complete-lockfile: added ${added} platform entries`);
