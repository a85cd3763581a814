/**
 * Launches Debian's Chromium (`/usr/bin/chromium`) for browser tests through playwright-core,
 * headless, with a fixed set of flags that keep it off the network (no QUIC, no background or
 * component updates, no sync) and a fresh profile in a temporary directory. A missing browser is
 * an error that says how to install it, never a skip.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";

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

/** A running Chromium and how to stop it. */
export interface LaunchedChromium {
  /** The browser. */
  readonly browser: Browser;
  /** Closes the browser and removes its temporary profile. Idempotent. */
  close(): Promise<void>;
}

/** Launches Chromium with {@link CHROMIUM_ARGS} and a fresh temporary `--user-data-dir`. */
export async function launchChromium(): Promise<LaunchedChromium> {
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
      args: [...CHROMIUM_ARGS, `--user-data-dir=${profile}`, "--remote-debugging-pipe"],
      headless: true,
      timeout: 30_000,
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  let closed: Promise<void> | undefined;
  return {
    browser,
    close: () =>
      (closed ??= (async () => {
        await browser.close();
        rmSync(profile, { recursive: true, force: true });
      })()),
  };
}
