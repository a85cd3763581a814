/**
 * Builds a CodeGeneratorRequest the way buf does: `buf build` compiles the protos of a directory
 * (imports included, source info kept), and every .proto file under the directory is a file to
 * generate.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { create, fromBinary } from "@bufbuild/protobuf";
import { CodeGeneratorRequestSchema, FileDescriptorSetSchema, type CodeGeneratorRequest } from "@bufbuild/protobuf/wkt";

/** The repository root (test/golden/ is two levels down). */
export const REPO_ROOT = join(import.meta.dirname, "..", "..");

const BUF = join(REPO_ROOT, "node_modules", ".bin", "buf");

function protoFiles(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      out.push(...protoFiles(path, base));
    } else if (name.endsWith(".proto")) {
      out.push(relative(base, path).split(sep).join("/"));
    }
  }
  return out;
}

/** Compiles the protos under `protoDir` with buf and wraps them in a CodeGeneratorRequest. */
export function buildCodeGeneratorRequest(protoDir: string, parameter: string): CodeGeneratorRequest {
  const tmp = mkdtempSync(join(tmpdir(), "virtufin-golden-"));
  try {
    const out = join(tmp, "image.binpb");
    try {
      // Run inside the directory, which holds its own buf.yaml, so buf never picks up the
      // repository's workspace.
      execFileSync(BUF, ["build", ".", "--as-file-descriptor-set", "-o", out], {
        cwd: protoDir,
        stdio: ["ignore", "ignore", "pipe"],
        timeout: 60_000,
      });
    } catch (err) {
      const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? "";
      throw new Error(`buf build ${protoDir} failed: ${stderr.trim()}`, { cause: err });
    }
    const set = fromBinary(FileDescriptorSetSchema, readFileSync(out));
    const toGenerate = new Set(protoFiles(protoDir));
    return create(CodeGeneratorRequestSchema, {
      fileToGenerate: set.file.map((f) => f.name).filter((n) => toGenerate.has(n)),
      parameter,
      protoFile: set.file,
      sourceFileDescriptors: set.file.filter((f) => toGenerate.has(f.name)),
      compilerVersion: { major: 0, minor: 0, patch: 0, suffix: "golden" },
    });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
