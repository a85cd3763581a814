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
   * package specifier such as `@virtufin/sdk/runtime`) is used verbatim.
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

// A proto full name: dot-separated identifiers (a leading dot is tolerated, as protoc writes it).
const PROTO_NAME = /^\.?[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
// A gateway backend name: what the Gateway's services configuration lists (no spaces, no commas).
const GATEWAY_NAME = /^[A-Za-z0-9_.-]+$/;

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
          throw new Error(`option "gateway_name=${value}": service "${service}" is named twice`);
        }
        gatewayNames.set(service, name);
        break;
      }
      default:
        throw new Error(
          `unknown option "${key}${value === "" ? "" : "=" + value}" (known options: ${OWN_OPTION_KEYS.join(", ")}, ` +
            "and protoplugin's target, import_extension, js_import_style, keep_empty_files, ts_nocheck, " +
            "rewrite_imports, elide_plugin_version)",
        );
    }
  }
  if (runtime === undefined) {
    throw new Error(
      'missing option "runtime": set runtime=<module specifier of the Virtufin runtime>, ' +
        "for example runtime=../runtime/index.js (relative to the output root) or runtime=@virtufin/sdk/runtime",
    );
  }
  return { runtime, gatewayNames };
}

function parseRuntime(value: string, previous: string | undefined): string {
  if (previous !== undefined) {
    throw new Error(`option "runtime=${value}": runtime is given twice`);
  }
  if (value.trim() === "" || value !== value.trim() || /\s|["'`\\]/.test(value)) {
    throw new Error(`option "runtime=${value}": expected a module specifier without spaces or quotes`);
  }
  if (value.startsWith("/")) {
    throw new Error(`option "runtime=${value}": an absolute path is not portable; give a path relative to the output root`);
  }
  return value;
}

function parseGatewayName(value: string): [service: string, name: string] {
  const i = value.indexOf("=");
  const service = i < 0 ? "" : value.substring(0, i);
  const name = i < 0 ? "" : value.substring(i + 1);
  if (!PROTO_NAME.test(service) || !GATEWAY_NAME.test(name)) {
    throw new Error(
      `option "gateway_name=${value}": expected gateway_name=<Service>=<name>, ` +
        "for example gateway_name=acme.Pricing=pricing",
    );
  }
  return [service.replace(/^\./, ""), name];
}
