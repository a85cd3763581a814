/**
 * A warning for a `runtime=` package that the generated code could not import from here: the
 * most likely mistake of a new user is to generate before `npm i` of the SDK. A warning, not
 * an error, because generated code may be compiled elsewhere (another package of a workspace,
 * a container) where the package is installed.
 */
import { createRequire } from "node:module";
import { join } from "node:path";

/** The package name of a bare specifier (`@virtufin/sdk/runtime` → `@virtufin/sdk`), or undefined for a path. */
export function runtimePackage(runtime: string): string | undefined {
  if (runtime.startsWith(".") || runtime.startsWith("/") || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(runtime)) return undefined;
  return /^(?:@[^/]+\/)?[^/]+/.exec(runtime)?.[0];
}

/**
 * The warning for a bare `runtime` specifier that does not resolve from `cwd` (where buf or
 * protoc runs, normally the project root), or undefined when it resolves or is a relative path.
 * The exact specifier is resolved, not `<pkg>/package.json`: a package's `exports` may hide
 * that file, and a package that is installed but not built fails here too.
 */
export function runtimeWarning(runtime: string, cwd: string): string | undefined {
  const pkg = runtimePackage(runtime);
  if (pkg === undefined) return undefined;
  try {
    createRequire(join(cwd, "noop.js")).resolve(runtime);
    return undefined;
  } catch (error) {
    // Installed, but the subpath is exported for `import` only: it resolves where it is used.
    if ((error as { code?: unknown }).code === "ERR_PACKAGE_PATH_NOT_EXPORTED") return undefined;
    return (
      `protoc-gen-virtufin-ts: warning: the generated code imports "${runtime}", which does not resolve from ${cwd}; ` +
      `install the package with \`npm i ${pkg}\` (ignore this if the code is compiled where ${pkg} is installed)`
    );
  }
}
