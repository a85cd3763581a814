/**
 * Strict parsing of the plugin parameter (the options after protoplugin's standard ones).
 *
 * protoplugin parses its own options (target, import_extension, js_import_style,
 * keep_empty_files, ts_nocheck, rewrite_imports, elide_plugin_version, bootstrap_wkt) and hands
 * us every other key. Anything we do not know is an error: a typo in buf.gen.yaml must never be
 * ignored silently.
 */

/** The options this plugin adds to protoplugin's standard ones. */
export interface VirtufinPluginOptions {
  /**
   * Module specifier generated clients import the runtime from. A path starting with `./` or
   * `../` is relative to the output root and rewritten per generated file; anything else (a
   * package specifier) is used verbatim. Default: `@virtufin/sdk/runtime`.
   */
  readonly runtime: string;
  /**
   * Gateway backend names by service, keyed by the service's full name (`virtufin.WorkManager`)
   * or its simple name (`WorkManager`). Used when the service has no `(virtufin.gateway).name`.
   */
  readonly gatewayNames: ReadonlyMap<string, string>;
}

/** One raw `key=value` pair as protoplugin hands it over. */
export interface RawOption {
  readonly key: string;
  readonly value: string;
}

/** The option keys this plugin accepts on top of protoplugin's standard ones. */
export const OWN_OPTION_KEYS: readonly string[] = ["runtime", "gateway_name"];

/** The options protoplugin parses itself (and rejects when malformed). */
export const PROTOPLUGIN_OPTION_KEYS: readonly string[] = [
  "target",
  "import_extension",
  "js_import_style",
  "keep_empty_files",
  "ts_nocheck",
  "rewrite_imports",
  "elide_plugin_version",
  "bootstrap_wkt",
];

/** A problem with the plugin parameter; its message names the option. */
export class PluginOptionsError extends Error {
  override name = "PluginOptionsError";
}

function invalid(raw: string, reason: string): PluginOptionsError {
  return new PluginOptionsError(`invalid option "${raw}": ${reason}`);
}

/**
 * Validates our own options in a raw plugin parameter (`a=b,c=d`), leaving protoplugin's to
 * protoplugin. Used before protoplugin runs, so an error names only the offending option
 * (protoplugin's wrapper would quote all our options together). Returns our options.
 */
export function checkParameter(parameter: string): VirtufinPluginOptions {
  const raw: RawOption[] = [];
  for (const part of parameter === "" ? [] : parameter.split(",")) {
    const i = part.indexOf("=");
    const key = i < 0 ? part : part.substring(0, i);
    if (!PROTOPLUGIN_OPTION_KEYS.includes(key)) {
      raw.push({ key, value: i < 0 ? "" : part.substring(i + 1) });
    }
  }
  return parsePluginOptions(raw);
}

// A proto full name: dot-separated identifiers (a leading dot is tolerated, as protoc writes it).
const PROTO_NAME = /^\.?[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
// A gateway backend name: what the Gateway's services configuration lists (no spaces, no commas).
const GATEWAY_NAME = /^[A-Za-z0-9_.-]+$/;

/** The runtime generated code imports when `runtime=` is not given: the SDK package's runtime entry. */
export const DEFAULT_RUNTIME = "@virtufin/sdk/runtime";

/**
 * Parses our own plugin options. Throws an Error naming the offending option on an unknown key,
 * a malformed value or a missing required option; protoplugin wraps it into an "invalid option"
 * error, which the plugin returns as the CodeGeneratorResponse error.
 */
export function parsePluginOptions(raw: readonly RawOption[]): VirtufinPluginOptions {
  let runtime: string | undefined;
  const gatewayNames = new Map<string, string>();
  for (const { key, value } of raw) {
    switch (key) {
      case "runtime":
        runtime = parseRuntime(value, runtime);
        break;
      case "gateway_name": {
        const [service, name] = parseGatewayName(value);
        if (gatewayNames.has(service)) {
          throw invalid(`gateway_name=${value}`, `service "${service}" is named twice`);
        }
        gatewayNames.set(service, name);
        break;
      }
      default:
        throw invalid(
          value === "" ? key : `${key}=${value}`,
          `unknown option (known options: ${[...OWN_OPTION_KEYS, ...PROTOPLUGIN_OPTION_KEYS].join(", ")})`,
        );
    }
  }
  return { runtime: runtime ?? DEFAULT_RUNTIME, gatewayNames };
}

function parseRuntime(value: string, previous: string | undefined): string {
  if (previous !== undefined) {
    throw invalid(`runtime=${value}`, "runtime is given twice");
  }
  if (value.trim() === "" || /\s|["'`\\]/.test(value)) {
    throw invalid(`runtime=${value}`, "expected a module specifier without spaces or quotes");
  }
  if (value.startsWith("/")) {
    throw invalid(`runtime=${value}`, "an absolute path is not portable; give a path relative to the output root");
  }
  return value;
}

function parseGatewayName(value: string): [service: string, name: string] {
  const i = value.indexOf("=");
  const service = i < 0 ? "" : value.substring(0, i);
  const name = i < 0 ? "" : value.substring(i + 1);
  if (!PROTO_NAME.test(service) || !GATEWAY_NAME.test(name)) {
    throw invalid(
      `gateway_name=${value}`,
      "expected gateway_name=<Service>=<name>, for example gateway_name=acme.Pricing=pricing",
    );
  }
  return [service.replace(/^\./, ""), name];
}
