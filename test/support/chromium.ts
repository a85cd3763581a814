/**
 * Launches Debian's Chromium (`/usr/bin/chromium`) for browser tests through playwright-core,
 * headless, with a fixed set of flags that keep it off the network (no QUIC, no background or
 * component updates, no sync) and a fresh profile in a temporary directory. A missing browser is
 * an error that says how to install it, never a skip.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext } from "playwright-core";

/** Where Debian's `chromium` package installs the browser. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** The only flags Chromium gets (besides its profile directory and Playwright's control pipe). */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
] as const;

/**
 * Of the flags Playwright passes by default (switched off above so that only ours go in), those
 * tests need: without them a page not in front has its timers and rendering throttled, and a page
 * navigated away from stays alive in the back/forward cache with its open streams, holding the
 * browser's six HTTP/1.1 connections per host until a later page cannot connect at all.
 */
const PLAYWRIGHT_NEEDS = [
  "--disable-background-timer-throttling",
  "--disable-backgrounding-occluded-windows",
  "--disable-renderer-backgrounding",
  "--disable-back-forward-cache",
];

/** A running Chromium and how to stop it. */
export interface LaunchedChromium {
  /** The browser. */
  readonly browser: Browser;
  /** A context made at launch with the asked viewport and colour scheme (more: `browser.newContext()`). */
  readonly context: BrowserContext;
  /** Closes the browser and removes its temporary profile. Idempotent. */
  close(): Promise<void>;
}

/** What the launch's first context looks like. */
export interface LaunchOptions {
  /** Default 1280×800. */
  viewport?: { width: number; height: number };
  /** Default "light". */
  colorScheme?: "light" | "dark";
}

/** Launches Chromium with {@link CHROMIUM_ARGS} and a fresh temporary `--user-data-dir`. */
export async function launchChromium(options: LaunchOptions = {}): Promise<LaunchedChromium> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM_PATH}; the browser tests need it. Install it with: ` +
        "sudo apt-get install -y chromium (npm test's pretest does it by itself when run as root)",
    );
  }
  const profile = mkdtempSync(join(tmpdir(), "virtufin-chromium-"));
  let browser: Browser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      // Playwright's own defaults would add flags of its choosing; only ours go in, plus the
      // pipe Playwright drives the browser through.
      ignoreDefaultArgs: true,
      args: [...CHROMIUM_ARGS, `--user-data-dir=${profile}`, "--remote-debugging-pipe", ...PLAYWRIGHT_NEEDS],
      headless: true,
      timeout: 30_000,
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  const context = await browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 800 },
    colorScheme: options.colorScheme ?? "light",
  });
  let closed: Promise<void> | undefined;
  return {
    browser,
    context,
    close: () =>
      (closed ??= (async () => {
        await browser.close();
        rmSync(profile, { recursive: true, force: true });
      })()),
  };
}
