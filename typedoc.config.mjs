// TypeDoc configuration of `npm run docs`: the API reference of the packages' public entry points
// into docs/api/ (git-ignored). Warnings are errors, so a type the faces reference but do not
// export, or a broken {@link}, fails the build (scripts/pretest.mjs runs it).
import { OptionDefaults } from "typedoc";

/** @type {Partial<import("typedoc").TypeDocOptions>} */
const config = {
  name: "Virtufin TypeScript SDK",
  // @virtufin/sdk (".", "./node", "./runtime", "./gen/*") and @virtufin/emulator ("."). The plugin
  // package has no importable entry (a bin only). "./internal" is for the emulator, not documented.
  entryPoints: ["index.ts", "node.ts", "runtime.ts", "generated/**/*.ts", "emulator/index.ts"],
  // Only the packages' sources (not tests, examples, benches): a smaller program, a faster run.
  tsconfig: "tsconfig.docs.json",
  out: "docs/api",
  readme: "none",
  treatWarningsAsErrors: true,
  treatValidationWarningsAsErrors: true,
  excludePrivate: true,
  excludeInternal: true,
  disableSources: true,
  // protoc-gen-es and our plugin mark generated symbols with `@generated from ...`.
  blockTags: [...OptionDefaults.blockTags, "@generated"],
  validation: { notExported: true, invalidLink: true, rewrittenLink: true, notDocumented: false, unusedMergeModuleWith: true },
};

export default config;
