/**
 * The three protoc plugins under comparison, each a Node script run as `node <script>` so that
 * the harness can preload its resource hook into every one of them the same way.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";

/** Every plugin id, in table order. */
export const PLUGIN_IDS = ["ours", "es", "ts-proto", "floor"] as const;

/** Identifies a plugin in the table and in ratio columns. */
export type PluginId = (typeof PLUGIN_IDS)[number];

/** One plugin as the harness runs it. */
export interface PluginSpec {
  /** Short id used for ratios. */
  readonly id: PluginId;
  /** Name and version as printed in the table. */
  readonly label: string;
  /** Absolute path of the Node script that reads a request on stdin. */
  readonly script: string;
  /** The `parameter` field of the request, as `opt` would set it in buf.gen.yaml. */
  readonly parameter: string;
  /** Why the plugin cannot run (for example "not built"), or undefined when it can. */
  readonly unavailable: string | undefined;
}

function packageVersion(root: string, pkg: string): string {
  const file = join(root, "node_modules", pkg, "package.json");
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version : "?";
}

/** Resolves a `node_modules/.bin` link to the script behind it, so it can be run with `node`. */
function binScript(root: string, bin: string): { script: string; unavailable: string | undefined } {
  const link = join(root, "node_modules", ".bin", bin);
  if (!existsSync(link)) return { script: link, unavailable: "not installed" };
  return { script: realpathSync(link), unavailable: undefined };
}

const OUR_PACKAGE = "packages/protoc-gen-virtufin-ts";
const OUR_BIN = `${OUR_PACKAGE}/bin/protoc-gen-virtufin-ts.js`;
/** Used when buf.gen.yaml cannot be read: the options our buf.gen.yaml passed when this was written. */
const OUR_FALLBACK_PARAMETER = "target=ts,import_extension=js,runtime=../runtime.js";

/**
 * Our plugin's parameter as `buf.gen.yaml` sets it (its `opt` list joined with commas, as buf
 * does), so the benchmark measures what `npm run generate` runs rather than a copy that drifts.
 */
function ourParameter(root: string): string {
  try {
    const doc = parse(readFileSync(join(root, "buf.gen.yaml"), "utf8")) as {
      plugins?: { local?: string | string[]; opt?: string | string[] }[];
    };
    const entry = doc.plugins?.find((p) => [p.local ?? []].flat().some((part) => part.endsWith("protoc-gen-virtufin-ts.js")));
    if (entry?.opt === undefined) return OUR_FALLBACK_PARAMETER;
    return [entry.opt].flat().join(",");
  } catch {
    return OUR_FALLBACK_PARAMETER;
  }
}

/**
 * Copies our bin script and `dist/` to `snapshotDir` and returns the copied script. Other work in
 * the same checkout may rebuild `dist/` during a run that lasts minutes; running a snapshot keeps
 * every row of "ours" on the same build. The copy sits under the repository, so the bin's
 * relative `../dist/...` imports and package resolution (node_modules, "type": "module") behave
 * as in the original.
 */
function snapshotOurs(root: string, snapshotDir: string): string {
  rmSync(snapshotDir, { recursive: true, force: true });
  mkdirSync(join(snapshotDir, "bin"), { recursive: true });
  cpSync(join(root, OUR_PACKAGE, "dist"), join(snapshotDir, "dist"), { recursive: true });
  cpSync(join(root, OUR_BIN), join(snapshotDir, "bin", "protoc-gen-virtufin-ts.js"));
  return join(snapshotDir, "bin", "protoc-gen-virtufin-ts.js");
}

/**
 * The plugins in table order, resolved against the repository at `root`.
 *
 * - ours: the plugin package's bin, which loads the compiled plugin from its `dist/`, run from
 *   a snapshot of both taken now (see snapshotOurs); it is "not built" until `npm run build` has produced its `dist/main.js`. Its parameter is the
 *   one our `buf.gen.yaml` passes (`target=ts` and `runtime` are required options).
 * - protoc-gen-es with `target=ts`, the messages generator our SDK is built on.
 * - ts-proto with its default parameters (no `outputServices`: the default service output, an
 *   interface plus a client class over an `Rpc` interface), i.e. what a user gets out of the box.
 * - a reference floor (`floor-plugin.mjs`): decode the request and build the protobuf-es file
 *   registry, generate nothing. It is what every protobuf-es based plugin pays before its own
 *   code runs, so it shows how close a plugin is to the least it could cost.
 */
export function resolvePlugins(root: string, snapshotDir: string): PluginSpec[] {
  const built = existsSync(join(root, OUR_BIN)) && existsSync(join(root, OUR_PACKAGE, "dist", "main.js"));
  const ours: PluginSpec = {
    id: "ours",
    label: "protoc-gen-virtufin-ts (ours)",
    script: built ? snapshotOurs(root, snapshotDir) : join(root, OUR_BIN),
    parameter: ourParameter(root),
    unavailable: built ? undefined : "not built",
  };
  const es = binScript(root, "protoc-gen-es");
  const tsProto = binScript(root, "protoc-gen-ts_proto");
  return [
    ours,
    {
      id: "es",
      label: `protoc-gen-es ${packageVersion(root, "@bufbuild/protoc-gen-es")}`,
      script: es.script,
      parameter: "target=ts",
      unavailable: es.unavailable,
    },
    {
      id: "ts-proto",
      label: `ts-proto ${packageVersion(root, "ts-proto")}`,
      script: tsProto.script,
      parameter: "",
      unavailable: tsProto.unavailable,
    },
    {
      id: "floor",
      label: "floor: decode + registry, no output",
      script: resolve(import.meta.dirname, "floor-plugin.mjs"),
      parameter: "",
      unavailable: undefined,
    },
  ];
}
