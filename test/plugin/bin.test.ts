/**
 * The bin and its bundle: a missing build is a clear message, the bundled plugin answers as the
 * in-process one does, and protoplugin's TypeScript imports are a stub that fails loudly if used.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { toBinary } from "@bufbuild/protobuf";
import { CodeGeneratorRequestSchema, CodeGeneratorResponseSchema } from "@bufbuild/protobuf/wkt";
import { expect, it } from "vitest";
import { PLUGIN_NAME, PLUGIN_VERSION, protocGenVirtufinTs } from "../../plugin/index.js";
import { buildCodeGeneratorRequest, REPO_ROOT } from "../golden/code-generator-request.js";

it("the bin tells the user to run npm run build when dist/ is missing", () => {
  const dir = mkdtempSync(join(tmpdir(), "virtufin-bin-"));
  try {
    mkdirSync(join(dir, "bin"));
    copyFileSync(
      join(REPO_ROOT, "packages", "protoc-gen-virtufin-ts", "bin", "protoc-gen-virtufin-ts.js"),
      join(dir, "bin", "protoc-gen-virtufin-ts.js"),
    );
    const res = spawnSync(process.execPath, [join(dir, "bin", "protoc-gen-virtufin-ts.js")], {
      input: "",
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain("run `npm run build`");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

it("the built bin answers a request on stdin exactly as the plugin does in process", () => {
  const bin = join(REPO_ROOT, "packages", "protoc-gen-virtufin-ts", "bin", "protoc-gen-virtufin-ts.js");
  const main = join(REPO_ROOT, "packages", "protoc-gen-virtufin-ts", "dist", "main.js");
  expect(existsSync(main), "the plugin is not built: run npm run build").toBe(true);
  const request = buildCodeGeneratorRequest(
    join(REPO_ROOT, "proto"),
    "target=ts,import_extension=js,runtime=../runtime/index.js",
  );
  const res = spawnSync(process.execPath, [bin], { input: toBinary(CodeGeneratorRequestSchema, request), timeout: 60_000 });
  expect(res.stderr.toString()).toBe("");
  expect(res.status).toBe(0);
  const expected = toBinary(CodeGeneratorResponseSchema, protocGenVirtufinTs.run(request));
  expect(Buffer.from(res.stdout).equals(Buffer.from(expected))).toBe(true);
  // One bundle with protoplugin's TypeScript imports replaced by the stub, not the compiler.
  const bundle = readFileSync(main, "utf8");
  expect(bundle).toContain("// plugin/startup/typescript-stub.ts");
  expect(bundle).not.toContain("node_modules/typescript/");
}, 60_000);

it("the bin prints its version", () => {
  const bin = join(REPO_ROOT, "packages", "protoc-gen-virtufin-ts", "bin", "protoc-gen-virtufin-ts.js");
  const res = spawnSync(process.execPath, [bin, "--version"], { encoding: "utf8", timeout: 30_000 });
  expect(res.status).toBe(0);
  expect(res.stdout).toBe(`${PLUGIN_NAME} ${PLUGIN_VERSION}\n`);
});

it("the TypeScript stub bundled for protoplugin fails loudly if ever used", async () => {
  const stub = await import("../../plugin/startup/typescript-stub.js");
  expect(() => stub.createSystem()).toThrow(/does not transpile \(set the option target=ts\)/);
  expect(() => (stub.default as { createProgram: unknown }).createProgram).toThrow(/does not transpile/);
  // Interop probes see an empty object rather than a throw.
  expect((stub.default as { then?: unknown }).then).toBeUndefined();
});
