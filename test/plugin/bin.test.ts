/**
 * The bin and its start-up hooks: a missing build is a clear message, and protoplugin's
 * TypeScript imports resolve to a stub that fails loudly if ever used.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { expect, it } from "vitest";
import { load, resolve } from "../../plugin/startup/skip-typescript.js";
import { REPO_ROOT } from "../golden/code-generator-request.js";

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

it("typescript imported by protoplugin resolves to a stub; other imports are untouched", async () => {
  const protoplugin = pathToFileURL(join(REPO_ROOT, "node_modules/@bufbuild/protoplugin/dist/esm/transpile.js")).href;
  const next = async (specifier: string) => ({ url: `next:${specifier}` });
  for (const specifier of ["typescript", "@typescript/vfs"]) {
    const r = await resolve(specifier, { parentURL: protoplugin }, next);
    expect(r.url).toBe(`virtufin-skipped:${specifier}`);
  }
  expect((await resolve("typescript", { parentURL: "file:///work/app.js" }, next)).url).toBe("next:typescript");
  expect((await resolve("@bufbuild/protobuf", { parentURL: protoplugin }, next)).url).toBe("next:@bufbuild/protobuf");

  const loaded = await load("virtufin-skipped:typescript", {}, async () => ({ format: "module", source: "" }));
  expect(loaded.format).toBe("module");
  expect(typeof loaded.source).toBe("string");
  const stub = (await import(`data:text/javascript,${encodeURIComponent(loaded.source as string)}`)) as {
    default: { createProgram: unknown };
    createSystem: () => void;
  };
  expect(() => stub.createSystem()).toThrow(/does not transpile \(set the option target=ts\)/);
  expect(() => stub.default.createProgram).toThrow(/does not transpile/);
});
