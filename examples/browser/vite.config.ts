// Builds the browser example (`npm run example:browser`) into examples/browser/dist. Nothing
// SDK-specific is configured: Vite resolves @virtufin/sdk's browser entry by itself.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  build: { outDir: "dist", emptyOutDir: true },
  logLevel: "warn",
});
