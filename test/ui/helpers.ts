/**
 * What the UI tests share: building the page once, an emulator on fixed free ports (so that it
 * can be stopped and started again where the page expects it), and a browser page on its UI.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Page } from "playwright-core";
import { startEmulator, type Emulator, type EmulatorOptions } from "../../emulator/index.js";
import { freePorts } from "../reliability/helpers.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** The built page; built here when a test runs without `npm run build` first. */
export const UI_DIR = join(root, "dist/emulator-ui");

/** Builds the UI with Vite (as `npm run build` does) into dist/emulator-ui. */
export function buildUi(): void {
  execFileSync(join(root, "node_modules/.bin/vite"), ["build", "--config", "emulator/ui/vite.config.ts"], { cwd: root, stdio: "pipe", timeout: 120_000 });
  if (!existsSync(join(UI_DIR, "index.html"))) throw new Error("vite build produced no dist/emulator-ui/index.html");
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
export async function restartableEmulator(options: EmulatorOptions = {}): Promise<RestartableEmulator> {
  const [gateway, grpcWeb, workmanager, websocketmanager, ui] = (await freePorts(5)) as [number, number, number, number, number];
  const handle: RestartableEmulator = {
    current: undefined,
    uiUrl: `http://127.0.0.1:${ui}/`,
    async start() {
      handle.current = await startEmulator({ ports: { gateway, grpcWeb, workmanager, websocketmanager }, uiPort: ui, uiDir: UI_DIR, logLevel: "warn", ...options });
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
