/**
 * examples/custom-service/gen/ is reproducible: `npx buf generate` run from that folder with its
 * own buf.gen.yaml into a temporary directory gives the committed files byte for byte, and the
 * example's copy of virtufin/options.proto is the SDK's.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { REPO_ROOT } from "../golden/code-generator-request.js";
import { readTree } from "../golden/run-plugins.js";

const EXAMPLE = join(REPO_ROOT, "examples", "custom-service");

it("examples/custom-service/gen equals a fresh buf generate of examples/custom-service/proto", () => {
  const out = mkdtempSync(join(tmpdir(), "virtufin-custom-gen-"));
  try {
    // node_modules/.bin first on PATH, as `npx` puts it: buf.gen.yaml names protoc-gen-es by name.
    const bin = join(REPO_ROOT, "node_modules", ".bin");
    execFileSync(join(bin, "buf"), ["generate", "--template", "buf.gen.yaml", "-o", out], {
      cwd: EXAMPLE,
      env: { ...process.env, PATH: `${bin}:${process.env["PATH"] ?? ""}` },
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 120_000,
    });
    const fresh = readTree(join(out, "gen"));
    const committed = readTree(join(EXAMPLE, "gen"));
    expect([...fresh.keys()]).toEqual([
      "acme/pricing/v1/pricing_client.ts",
      "acme/pricing/v1/pricing_pb.ts",
      "virtufin/options_pb.ts",
    ]);
    expect([...committed.keys()]).toEqual([...fresh.keys()]);
    for (const [name, content] of fresh) {
      expect(
        committed.get(name),
        `examples/custom-service/gen/${name} is stale: run npx buf generate in examples/custom-service`,
      ).toBe(content);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 150_000);

it("the example's virtufin/options.proto is a copy of the SDK's", () => {
  expect(readFileSync(join(EXAMPLE, "proto", "virtufin", "options.proto"), "utf8")).toBe(
    readFileSync(join(REPO_ROOT, "proto", "virtufin", "options.proto"), "utf8"),
  );
});
