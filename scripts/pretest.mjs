#!/usr/bin/env node
// Runs before `npm test` (npm's pretest hook): everything CI proves besides the vitest suite.
//   0. python3, openssl and Chromium are there (installed with apt-get when possible);
//      `npm ls` finds one consistent dependency tree (pinned versions that support Node 20);
//   1. the plugin (esbuild) and runtime (tsc) build, so the bins run the current code;
//   2. `buf lint` is clean;
//   3. `buf breaking` against the protos of the previous commit (when there is one);
//   4. a fresh `buf generate` reproduces generated/ byte for byte;
//   5. the whole project type-checks with `tsc --noEmit` (strict);
//   6. `npm run docs` (TypeDoc, warnings are errors) builds the API reference without a warning;
//   7. `npm run lint` (typescript-eslint, type-aware) and `npm run format:check` (prettier) are clean.
// Each step says what failed and how to fix it; none is skipped silently.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const bin = (name) => join(root, "node_modules", ".bin", name);

function step(title, fn) {
  const started = Date.now();
  process.stdout.write(`pretest: ${title} ... `);
  try {
    fn();
  } catch (error) {
    process.stdout.write("FAILED\n");
    console.error(String(error?.message ?? error));
    process.exit(1);
  }
  process.stdout.write(`ok (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}

function run(cmd, args, hint) {
  const result = spawnSync(cmd, args, { cwd: root, encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed:\n${result.stdout}${result.stderr}${hint ? `\n${hint}` : ""}`);
  }
  return result.stdout;
}

function listFiles(dir) {
  const out = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

// Tests run real Python workers, make a test PKI with openssl, drive the browser suites and the
// emulator's web UI in Debian's Chromium (through playwright-core, never a browser download of its
// own) and run the emulator on real Redis servers of their own (redis-server, redis-benchmark for
// bench/redis): find them, or install them from Debian's packages when we can (root with apt-get,
// as on CI), or say how.
step("system tools the tests need (python3, openssl, chromium, redis-server)", () => {
  const onPath = (command) => () => spawnSync("sh", ["-c", `command -v ${command}`]).status === 0;
  const tools = [
    { pkg: "python3", present: onPath("python3") },
    { pkg: "openssl", present: onPath("openssl") },
    // test/support/chromium.ts launches exactly this path.
    { pkg: "chromium", present: () => existsSync("/usr/bin/chromium") },
    { pkg: "redis-server", present: onPath("redis-server") },
  ];
  const missing = tools.filter((tool) => !tool.present()).map((tool) => tool.pkg);
  if (missing.length === 0) return;
  const canInstall = process.getuid?.() === 0 && spawnSync("sh", ["-c", "command -v apt-get"]).status === 0;
  if (!canInstall) throw new Error(`missing: ${missing.join(", ")}. Install them: sudo apt-get install -y ${missing.join(" ")}`);
  process.stdout.write(`installing ${missing.join(", ")} with apt-get ... `);
  run("apt-get", ["update", "-qq"]);
  run("apt-get", ["install", "-y", "-qq", ...missing]);
});

step("one consistent dependency tree (npm ls)", () =>
  run("npm", ["ls", "--all"], "Pinned versions conflict; fix package.json so that npm ls is clean."),
);

step("build (npm run build)", () => run("npm", ["run", "-s", "build"]));

step("buf lint", () => run(bin("buf"), ["lint"], "Fix the proto, or justify an exception in buf.yaml."));

step("buf breaking against the previous commit", () => {
  const hasParent = spawnSync("git", ["rev-parse", "--verify", "-q", "HEAD~1"], { cwd: root }).status === 0;
  if (!hasParent) {
    process.stdout.write("(no previous commit) ");
    return;
  }
  run(
    bin("buf"),
    ["breaking", "proto", "--against", ".git#ref=HEAD~1,subdir=proto"],
    "A wire-incompatible proto change needs a new package version, not an edit.",
  );
});

step("generated/ matches a fresh buf generate", () => {
  const out = mkdtempSync(join(tmpdir(), "virtufin-gen-"));
  try {
    const template = readFileSync(join(root, "buf.gen.yaml"), "utf8").replace(/out: generated/g, `out: ${out}`);
    const templatePath = join(out, "..", `${out.split("/").pop()}.buf.gen.yaml`);
    writeFileSync(templatePath, template);
    run(bin("buf"), ["generate", "--template", templatePath]);
    rmSync(templatePath);
    const fresh = listFiles(out);
    const committed = listFiles(join(root, "generated"));
    const problems = [];
    for (const f of new Set([...fresh, ...committed])) {
      if (!fresh.includes(f)) problems.push(`only in generated/: ${f}`);
      else if (!committed.includes(f)) problems.push(`missing from generated/: ${f}`);
      else if (!readFileSync(join(out, f)).equals(readFileSync(join(root, "generated", f)))) problems.push(`differs: ${f}`);
    }
    if (problems.length) throw new Error(`${problems.join("\n")}\nRun \`npm run generate\` and commit generated/.`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

step("type-check (tsc --noEmit, strict)", () => {
  try {
    execFileSync(bin("tsc"), ["--noEmit", "-p", "tsconfig.json"], { cwd: root, encoding: "utf8", stdio: "pipe" });
  } catch (error) {
    throw new Error(`${error.stdout ?? ""}${error.stderr ?? ""}`, { cause: error });
  }
});

step("API reference (npm run docs: TypeDoc, warnings are errors)", () =>
  run("npm", ["run", "-s", "docs"], "Export a referenced type from the entry point that names it, or stop referencing it."),
);

step("lint (npm run lint: typescript-eslint, type-aware)", () =>
  run("npm", ["run", "-s", "lint"], "Fix the findings; disable a rule only on its line, with a comment saying why."),
);

step("format (npm run format:check: prettier)", () =>
  run("npm", ["run", "-s", "format:check"], "Run npx prettier --write on the files listed."),
);
