/**
 * Launches Debian's Chromium (`apt-get install chromium`, which scripts/pretest.mjs does when it
 * runs as root) through playwright-core, headless, with a fresh profile in a temporary folder. A
 * missing browser is a clear error, never a skipped test; Playwright's own browser downloads are
 * never used (the machines have no internet).
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext } from "playwright-core";

/** Where Debian installs Chromium. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** The flags every test browser runs with: headless, sandbox-less (root in CI), quiet, offline-minded. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A running browser with its own profile; `close()` removes the profile. */
export interface TestBrowser {
  /** The browser context (one profile). */
  readonly context: BrowserContext;
  /** The browser, when the context has one. */
  readonly browser: Browser | null;
  /** Closes the browser and deletes its profile folder. */
  close(): Promise<void>;
}

/** Starts Chromium with {@link CHROMIUM_ARGS} and a fresh `--user-data-dir`. */
export async function launchChromium(options: { viewport?: { width: number; height: number }; colorScheme?: "light" | "dark" } = {}): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM_PATH}. Install it: sudo apt-get install -y chromium (npm test does it when run as root)`);
  }
  const profile = mkdtempSync(join(tmpdir(), "virtufin-chromium-"));
  // A persistent context is how playwright-core passes --user-data-dir to Chromium.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS],
    headless: true,
    viewport: options.viewport ?? { width: 1280, height: 800 },
    colorScheme: options.colorScheme ?? "light",
    timeout: 30_000,
  });
  return {
    context,
    browser: context.browser(),
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
