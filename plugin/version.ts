/** The plugin's name, as protoc and buf know it (`protoc-gen-<name>`). */
export const PLUGIN_NAME = "protoc-gen-virtufin-ts";

/** The plugin's version, written into every generated file (kept equal to package.json's). */
export const PLUGIN_VERSION = "v0.1.0";
