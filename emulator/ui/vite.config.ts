/**
 * Builds the emulator's web UI (emulator/ui/) into dist/emulator-ui/, which the emulator's UI
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
    outDir: here("../../dist/emulator-ui"),
    emptyOutDir: true,
    target: "es2022",
    // One small bundle; no module preload polyfill (it would inject an inline script).
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  resolve: {
    alias: {
      // TEMPORARY (until the SDK's browser entry of issue 10 lands): runtime/connection.ts
      // still names `@connectrpc/connect-node` in a lazy import() taken only in Node. The UI
      // always passes protocol "grpc-web", so that branch never runs in the page; the stub keeps
      // Node's HTTP/2 stack out of the bundle and fails loudly should it ever be reached.
      "@connectrpc/connect-node": here("src/connect-node-stub.ts"),
    },
  },
});

export default config;
