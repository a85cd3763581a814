/**
 * Every golden case's expected output, and the real generated/, type-checks with
 * `tsc --noEmit --strict` against the real runtime (runtime/), so the committed output is known
 * to compile, not only to look as expected.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { REPO_ROOT } from "./code-generator-request.js";
import { goldenCases } from "./run-plugins.js";

it("every expected output and generated/ type-check with tsc --strict", () => {
  const dir = mkdtempSync(join(tmpdir(), "virtufin-typecheck-"));
  try {
    const tsconfig = join(dir, "tsconfig.json");
    writeFileSync(
      tsconfig,
      JSON.stringify({
        extends: join(REPO_ROOT, "tsconfig.json"),
        compilerOptions: {
          noEmit: true,
          strict: true,
          typeRoots: [join(REPO_ROOT, "node_modules", "@types")],
          // The options case imports the runtime by a package specifier.
          paths: { "@virtufin/sdk/runtime": [join(REPO_ROOT, "runtime", "index.ts")] },
        },
        include: [
          ...goldenCases().map((c) => join(c.expectedDir, "**", "*.ts")),
          // Type-level uses of the generated API (flattening, shorthand, never thenable).
          join(REPO_ROOT, "test", "golden", "api-usage.ts"),
        ],
        exclude: [],
      }),
    );
    let output = "";
    try {
      execFileSync(process.execPath, [join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", tsconfig], {
        cwd: REPO_ROOT,
        encoding: "utf8",
        timeout: 170_000,
      });
    } catch (err) {
      output = String((err as { stdout?: string }).stdout ?? err);
    }
    expect(output).toBe("");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 180_000);
