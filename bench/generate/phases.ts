/**
 * Where our plugin's time goes on one request: `npx tsx bench/generate/phases.ts [--rounds N] [request.binpb]`.
 *
 * Runs the plugin's steps one after the other in a fresh process per round (cold, as buf runs
 * it) and prints the median CPU and wall time of each: decoding the request (ours, which skips
 * buf's second copy of each file to generate, and protoplugin's full decode for comparison),
 * building the registry, our model, the Handlebars render, protoplugin's import and file
 * assembly, and encoding the response. Start-up is measured on the built bin given an empty
 * request (process start and loading the whole bundle), since this script itself runs under tsx. The default request is
 * the full synthetic one that `npm run bench` saves, re-encoded with our parameter.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { create, createFileRegistry, fromBinary, toBinary } from "@bufbuild/protobuf";
import { CodeGeneratorRequestSchema, CodeGeneratorResponseSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { createEcmaScriptPlugin, type Schema } from "@bufbuild/protoplugin";
import { buildFileModel, createCommentIndex } from "../../plugin/model/index.js";
import { parsePluginOptions, type VirtufinPluginOptions } from "../../plugin/options/index.js";
import { createEsNames, renderFile } from "../../plugin/render/index.js";
import { decodeRequest } from "../../plugin/startup/decode-request.js";
import { runPlugin } from "./measure.js";
import { resolvePlugins } from "./plugins.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
const DEFAULT_REQUEST = join(ROOT, "bench", ".work", "synthetic-1", "request.binpb");

type Phases = Record<string, { cpu: number; wall: number }>;

function cpuMs(): number {
  const u = process.resourceUsage();
  return (u.userCPUTime + u.systemCPUTime) / 1000;
}

/** Times the steps of one cold round in this process; prints them as JSON on stdout. */
function childRound(requestPath: string, mode: "ours" | "protoplugin"): void {
  const phases: Phases = {};
  let cpu = cpuMs();
  let wall = performance.now();
  const mark = (name: string): void => {
    const c = cpuMs();
    const w = performance.now();
    const p = (phases[name] ??= { cpu: 0, wall: 0 });
    p.cpu += c - cpu;
    p.wall += w - wall;
    cpu = c;
    wall = w;
  };
  const bytes = readFileSync(requestPath);
  mark("(read the request file)");
  if (mode === "protoplugin") {
    // What protoplugin's runNodeJs and createEcmaScriptPlugin do before a plugin's code runs
    // (the floor row of the benchmark): decode everything, then build the registry.
    const full = fromBinary(CodeGeneratorRequestSchema, bytes);
    mark("decode as protoplugin does (both copies)");
    createFileRegistry(create(FileDescriptorSetSchema, { file: full.protoFile }));
    mark("registry after that decode");
    process.stdout.write(JSON.stringify(phases));
    return;
  }
  const request = decodeRequest(bytes);
  mark("decode, ours (one copy)");
  const plugin = createEcmaScriptPlugin<VirtufinPluginOptions>({
    name: "phases",
    version: "v0",
    parseOptions: parsePluginOptions,
    generateTs(schema: Schema<VirtufinPluginOptions>) {
      mark("registry (createFileRegistry) and schema");
      // The same steps as plugin/generate.ts, timed one by one.
      const comments = createCommentIndex();
      const names = createEsNames(schema.files, schema.options.bootstrapWkt);
      for (const file of schema.files) {
        const model = buildFileModel(file, schema.options, comments);
        mark("model (comments, names, signatures)");
        if (model !== undefined) {
          renderFile(schema.generateFile(model.outputName), model, names);
          mark("render (Handlebars, print)");
        }
      }
    },
  });
  const response = plugin.run(request);
  mark("imports and file text (protoplugin getFileInfo)");
  toBinary(CodeGeneratorResponseSchema, response);
  mark("encode the response");
  process.stdout.write(JSON.stringify(phases));
}

/** Runs one child round in a fresh process. */
function round(requestPath: string, mode: string): Phases {
  const res = spawnSync(process.execPath, [...process.execArgv, import.meta.filename, "--child", mode, requestPath], {
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  if (res.status !== 0) throw new Error(`a ${mode} round failed: ${res.stderr}`);
  return JSON.parse(res.stdout) as Phases;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { rounds: { type: "string", default: "5" }, child: { type: "string" } },
    allowPositionals: true,
  });
  if (values.child !== undefined) {
    childRound(positionals[0]!, values.child === "protoplugin" ? "protoplugin" : "ours");
    return;
  }
  const savedPath = resolve(positionals[0] ?? DEFAULT_REQUEST);
  if (!existsSync(savedPath)) {
    throw new Error(`${savedPath} is missing: run npm run bench once (it saves the requests), or name a request file`);
  }
  const ours = resolvePlugins(ROOT, join(ROOT, "bench", ".work", "phases-snapshot")).find((p) => p.id === "ours")!;
  // The saved request with our parameter, as the benchmark feeds it (encoded once, here, so
  // that no round decodes anything before the step it times).
  const saved = fromBinary(CodeGeneratorRequestSchema, readFileSync(savedPath));
  const requestPath = join(ROOT, "bench", ".work", "phases-request.binpb");
  writeFileSync(requestPath, toBinary(CodeGeneratorRequestSchema, { ...saved, parameter: ours.parameter }));
  const emptyRequest = toBinary(CodeGeneratorRequestSchema, create(CodeGeneratorRequestSchema, { parameter: ours.parameter }));
  const bin = join(ROOT, "packages", "protoc-gen-virtufin-ts", "bin", "protoc-gen-virtufin-ts.js");
  const rounds = Math.max(1, Number(values.rounds));
  const all: Phases[] = [];
  const startup: { cpu: number; wall: number }[] = [];
  for (let i = 0; i < rounds; i++) {
    // An empty request: process start, loading the whole bundle, and a run that generates nothing.
    const run = await runPlugin({ script: bin, stdin: emptyRequest, timeoutMs: 60_000 });
    if (run.status !== "ok") throw new Error(`the bin failed on an empty request: ${run.message ?? run.status}`);
    startup.push({ cpu: run.cpuMs ?? NaN, wall: run.wallMs });
    all.push({ ...round(requestPath, "ours"), ...round(requestPath, "protoplugin") });
  }
  const rows: [string, number, number][] = [
    ["process start + module load (bin, empty request)", median(startup.map((s) => s.cpu)), median(startup.map((s) => s.wall))],
  ];
  for (const name of Object.keys(all[0]!)) {
    rows.push([name, median(all.map((p) => p[name]!.cpu)), median(all.map((p) => p[name]!.wall))]);
  }
  process.stdout.write(`Phases on ${savedPath} (medians of ${rounds} cold rounds, each step in a fresh process):\n\n`);
  process.stdout.write("| phase | CPU | wall |\n| --- | ---: | ---: |\n");
  for (const [name, cpu, wall] of rows) {
    process.stdout.write(`| ${name} | ${cpu.toFixed(0)} ms | ${wall.toFixed(0)} ms |\n`);
  }
}

await main();
