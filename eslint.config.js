// ESLint flat config: typescript-eslint's type-aware recommended rules on every TypeScript file
// of the repository (through the TypeScript project service, which uses tsconfig.json), plus
// ESLint's recommended rules on the scripts. Formatting is prettier's job (npm run format:check),
// so no stylistic rule is enabled here.
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import tseslint from "typescript-eslint";

/** The Node.js globals our plain JavaScript files use. */
const NODE_GLOBALS = {
  Buffer: "readonly",
  URL: "readonly",
  console: "readonly",
  process: "readonly",
  setTimeout: "readonly",
  clearTimeout: "readonly",
};

export default defineConfig(
  globalIgnores([
    "**/node_modules/",
    "**/dist/",
    // Staging folders of scripts/build.mjs while a build runs.
    "packages/*/dist.*/",
    "packages/*/proto.*/",
    "packages/sdk/proto/",
    // A consumer's project of its own, type-checked and run by test/consumer.
    "test/consumer/fixture/",
    "docs/api/",
    "coverage/",
    "bench/.work/",
    // Generated: checked by their generators' tests, not by hand.
    "generated/",
    "test/golden/**/expected/",
    "examples/custom-service/gen/",
    "plugin/render/templates.generated.ts",
  ]),
  js.configs.recommended,
  {
    files: ["**/*.ts"],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A leading underscore marks a parameter or binding kept for its position or its type.
      "@typescript-eslint/no-unused-vars": [
        "error",
        {
          argsIgnorePattern: "^_",
          varsIgnorePattern: "^_",
          caughtErrorsIgnorePattern: "^_",
          destructuredArrayIgnorePattern: "^_",
        },
      ],
      // Off: most `async` functions without `await` here implement an interface that returns a
      // Promise or an AsyncIterable (Connect handlers, responders, worker bodies, async
      // generators serving streams), where `async` is what turns a throw into a rejection. The
      // rule flagged ~40 such functions and no bug.
      "@typescript-eslint/require-await": "off",
    },
  },
  {
    // Node scripts and bins (ESM), and the bench's CommonJS preload hooks.
    files: ["**/*.{js,mjs,cjs}"],
    languageOptions: { globals: NODE_GLOBALS },
  },
  {
    files: ["**/*.cjs"],
    languageOptions: {
      sourceType: "commonjs",
      globals: { ...NODE_GLOBALS, require: "readonly", module: "writable", __dirname: "readonly" },
    },
  },
);
