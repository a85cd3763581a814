/**
 * Runs protoc-gen-es and our plugin in process on one golden case, as `buf generate` would with
 * `strategy: all`, and reads or writes a case's expected output.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, sep } from "node:path";
import type { CodeGeneratorRequest, CodeGeneratorResponse } from "@bufbuild/protobuf/wkt";
import { protocGenVirtufinTs } from "../../plugin/index.js";
import { buildCodeGeneratorRequest, REPO_ROOT } from "./code-generator-request.js";

/** protoc-gen-es's parameter in every case (as in buf.gen.yaml). */
export const ES_PARAMETER = "target=ts,import_extension=js";

interface PluginLike {
  run(request: CodeGeneratorRequest): CodeGeneratorResponse;
}

// protoc-gen-es ships its plugin object as CommonJS without an exports map.
const protocGenEs = (
  createRequire(import.meta.url)("@bufbuild/protoc-gen-es/dist/cjs/src/protoc-gen-es-plugin.js") as {
    protocGenEs: PluginLike;
  }
).protocGenEs;

/** One golden case: its protos, our plugin's parameter and the folder of its expected output. */
export interface GoldenCase {
  readonly name: string;
  readonly protoDir: string;
  readonly parameter: string;
  readonly expectedDir: string;
}

/** Every case folder under test/golden (one with an options.txt), plus `virtufin`: proto/ → generated/. */
export function goldenCases(): GoldenCase[] {
  const goldenDir = join(REPO_ROOT, "test", "golden");
  const cases: GoldenCase[] = [
    {
      name: "virtufin",
      protoDir: join(REPO_ROOT, "proto"),
      parameter: "target=ts,import_extension=js,runtime=../runtime.js",
      expectedDir: join(REPO_ROOT, "generated"),
    },
  ];
  for (const name of readdirSync(goldenDir).sort()) {
    const optionsFile = join(goldenDir, name, "options.txt");
    if (existsSync(optionsFile)) {
      cases.push({
        name,
        protoDir: join(goldenDir, name, "proto"),
        parameter: readFileSync(optionsFile, "utf8").trim(),
        expectedDir: join(goldenDir, name, "expected"),
      });
    }
  }
  return cases;
}

/** Runs one plugin; a response error fails loudly. */
export function runPlugin(plugin: PluginLike, request: CodeGeneratorRequest): Map<string, string> {
  const response = plugin.run(request);
  if (response.error !== undefined && response.error !== "") {
    throw new Error(`plugin error: ${response.error}`);
  }
  return new Map(response.file.map((f) => [f.name, f.content]));
}

/** Generates a case's output: protoc-gen-es files and ours, by path. */
export function generateCase(c: GoldenCase): Map<string, string> {
  const es = runPlugin(protocGenEs, buildCodeGeneratorRequest(c.protoDir, ES_PARAMETER));
  const ours = runPlugin(protocGenVirtufinTs, buildCodeGeneratorRequest(c.protoDir, c.parameter));
  return new Map([...es, ...ours].sort(([a], [b]) => a.localeCompare(b)));
}

/** Reads every .ts file under a folder, by path relative to it. */
export function readTree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) {
        walk(path);
      } else if (name.endsWith(".ts")) {
        out.set(relative(dir, path).split(sep).join("/"), readFileSync(path, "utf8"));
      }
    }
  };
  if (existsSync(dir)) {
    walk(dir);
  }
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}

/** Replaces a folder's .ts files with the given ones (UPDATE_GOLDEN=1). */
export function writeTree(dir: string, files: ReadonlyMap<string, string>): void {
  for (const name of readTree(dir).keys()) {
    rmSync(join(dir, name));
  }
  for (const [name, content] of files) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
}
