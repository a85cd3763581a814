/**
 * A `runtime=` package that does not resolve where the plugin runs gets a warning on stderr
 * naming the package and the `npm i` command; generation still succeeds (the code may be
 * compiled elsewhere). Runs the built bin as buf would, in temporary project folders.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { CodeGeneratorRequestSchema, CodeGeneratorResponseSchema } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runtimePackage, runtimeWarning } from "../../plugin/options/index.js";
import { buildCodeGeneratorRequest, REPO_ROOT } from "../golden/code-generator-request.js";

const BIN = join(REPO_ROOT, "packages", "protoc-gen-virtufin-ts", "bin", "protoc-gen-virtufin-ts.js");
const request = buildCodeGeneratorRequest(join(REPO_ROOT, "test", "golden", "options", "proto"), "");
let project: string;

/** Writes `node_modules/<name>` with the given package.json fields and files. */
function installFake(name: string, manifest: object, files: Record<string, string>): void {
  const dir = join(project, "node_modules", name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, version: "1.0.0", ...manifest }));
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
}

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), "virtufin-runtime-warning-"));
  // Exports the runtime entry for every condition, and hides package.json.
  installFake("@acme/sdk", { type: "module", exports: { "./runtime": "./runtime.js" } }, { "runtime.js": "export {};\n" });
  // Exports its runtime entry for `import` only: require-resolution cannot see it, import can.
  installFake("esm-only-sdk", { type: "module", exports: { "./runtime": { import: "./runtime.js" } } }, { "runtime.js": "" });
  // Installed, but the entry points at a file that is not there (an unbuilt package).
  installFake("unbuilt-sdk", { exports: { "./runtime": "./dist/runtime.js" } }, {});
});
afterAll(() => rmSync(project, { recursive: true, force: true }));

/** Runs the bin in `cwd` with the given parameter; returns its stderr and the response. */
function generate(parameter: string, cwd: string) {
  const res = spawnSync(process.execPath, [BIN], {
    cwd,
    input: toBinary(CodeGeneratorRequestSchema, create(CodeGeneratorRequestSchema, { ...request, parameter })),
    timeout: 30_000,
  });
  expect(res.status, res.stderr.toString()).toBe(0);
  return { stderr: res.stderr.toString(), response: fromBinary(CodeGeneratorResponseSchema, res.stdout) };
}

describe("runtime= for a package that is not installed", () => {
  it("warns on stderr with the package and the npm i command, and still generates", () => {
    const { stderr, response } = generate("target=ts,runtime=@nobody/missing-sdk/runtime", project);
    expect(stderr).toContain('the generated code imports "@nobody/missing-sdk/runtime", which does not resolve from');
    expect(stderr).toContain("`npm i @nobody/missing-sdk`");
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(response.error ?? "").toBe("");
    expect(response.file.map((f) => f.name)).toEqual(["opts/echo_client.ts"]);
  }, 60_000);

  it("warns for the default runtime (@virtufin/sdk/runtime) in a project without the SDK", () => {
    expect(generate("target=ts", project).stderr).toContain("`npm i @virtufin/sdk`");
  }, 60_000);

  it("says nothing when the package resolves, a relative path is given, or the entry is import-only", () => {
    expect(generate("target=ts,runtime=@acme/sdk/runtime", project).stderr).toBe("");
    expect(generate("target=ts,runtime=../runtime.js", project).stderr).toBe("");
    expect(generate("target=ts,runtime=esm-only-sdk/runtime", project).stderr).toBe("");
    // This repository: the SDK package is a workspace of it.
    expect(generate("target=ts", REPO_ROOT).stderr).toBe("");
  }, 60_000);

  it("warns for an installed package whose runtime entry file is missing (not built)", () => {
    expect(runtimeWarning("unbuilt-sdk/runtime", project)).toContain("`npm i unbuilt-sdk`");
  });

  it("takes the package name of scoped and unscoped specifiers, and none of paths or URLs", () => {
    expect(runtimePackage("@virtufin/sdk/runtime")).toBe("@virtufin/sdk");
    expect(runtimePackage("my-sdk/runtime")).toBe("my-sdk");
    expect(runtimePackage("my-sdk")).toBe("my-sdk");
    expect(runtimePackage("./runtime.js")).toBeUndefined();
    expect(runtimePackage("../runtime.js")).toBeUndefined();
    expect(runtimePackage("node:module")).toBeUndefined();
  });
});
