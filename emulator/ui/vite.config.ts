/**
 * Builds the emulator's web UI (emulator/ui/) into packages/emulator/dist/emulator-ui/, which the emulator's UI
 * server serves. Run by `npm run build`.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** The UI's Vite configuration: relative asset URLs, so the page works under any host and port. */
const config = defineConfig({
  root: here("."),
  base: "./",
  logLevel: "warn",
  build: {
    outDir: here("../../packages/emulator/dist/emulator-ui"),
    emptyOutDir: true,
    target: "es2022",
    // One small bundle; no module preload polyfill (it would inject an inline script).
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
});

export default config;
