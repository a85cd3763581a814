/**
 * What the UI tests share: building the page once, an emulator on fixed free ports (so that it
 * can be stopped and started again where the page expects it), and a browser page on its UI.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { startEmulator, type Emulator, type EmulatorOptions } from "../../emulator/index.js";
import { freePorts } from "../support/free-ports.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Builds the UI with Vite as `npm run build` does, into a folder of its own (test files run in
 * parallel and must not empty each other's bundle), and returns that folder.
 */
export function buildUi(): string {
  const outDir = mkdtempSync(join(tmpdir(), "virtufin-ui-build-"));
  execFileSync(
    join(root, "node_modules/.bin/vite"),
    ["build", "--config", "emulator/ui/vite.config.ts", "--outDir", outDir, "--emptyOutDir"],
    { cwd: root, stdio: "pipe", timeout: 120_000 },
  );
  if (!existsSync(join(outDir, "index.html"))) throw new Error(`vite build produced no ${outDir}/index.html`);
  return outDir;
}

/** An emulator that can be stopped and started again on the same ports. */
export interface RestartableEmulator {
  /** The running emulator (undefined while stopped). */
  current: Emulator | undefined;
  /** The UI's address. */
  readonly uiUrl: string;
  /** Starts it (again). */
  start(): Promise<Emulator>;
  /** Stops it. */
  stop(): Promise<void>;
}

/** Picks free ports and starts an emulator on them, UI included. */
export async function restartableEmulator(uiDir: string, options: EmulatorOptions = {}): Promise<RestartableEmulator> {
  const [gateway, grpcWeb, workmanager, websocketmanager, ui] = (await freePorts(5)) as [number, number, number, number, number];
  const handle: RestartableEmulator = {
    current: undefined,
    uiUrl: `http://127.0.0.1:${ui}/`,
    async start() {
      handle.current = await startEmulator({
        ports: { gateway, grpcWeb, workmanager, websocketmanager },
        uiPort: ui,
        uiDir,
        logLevel: "error",
        ...options,
      });
      return handle.current;
    },
    async stop() {
      await handle.current?.stop();
      handle.current = undefined;
    },
  };
  await handle.start();
  return handle;
}

/** Opens a view by its hash and waits for its heading. */
export async function openView(page: Page, view: string, title: string): Promise<void> {
  await page.locator(`header a[href="#/${view}"]`).click();
  await page.locator(`main[data-view="${view}"] h2`, { hasText: title }).waitFor();
}
