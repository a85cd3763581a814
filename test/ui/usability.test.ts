/**
 * The emulator's web UI as a person meets it: it loads in under a second on loopback, asks for
 * no file from anywhere but the emulator, fits a narrow window, is usable from the keyboard,
 * follows the system's dark or light scheme, and asks for an api key (kept in memory only)
 * when the emulator requires one.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/index.js";
import { launchChromium, type LaunchedChromium } from "../support/chromium.js";
import { buildUi, restartableEmulator, type RestartableEmulator } from "./helpers.js";

let emulator: RestartableEmulator;
let uiDir: string;
let browser: LaunchedChromium;

beforeAll(async () => {
  uiDir = buildUi();
  emulator = await restartableEmulator(uiDir);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await emulator?.stop();
  if (uiDir) rmSync(uiDir, { recursive: true, force: true });
});

describe("the web UI for a person", () => {
  it("loads in under 1 s on loopback and talks only to the emulator's UI and gRPC-Web ports", async () => {
    const page = await browser.context.newPage();
    const urls: string[] = [];
    page.on("request", (request) => urls.push(request.url()));
    // A first visit warms nothing up for the second: measure a fresh page each time, take the best of 3.
    const loads: number[] = [];
    for (let i = 0; i < 3; i++) {
      await page.goto(emulator.uiUrl + `?visit=${i}#/workers`);
      await page.locator("[data-platform=online]").waitFor();
      loads.push(
        await page.evaluate(() => (performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming).loadEventEnd),
      );
    }
    console.info("UI load event (ms after navigation start), 3 visits:", loads.map(Math.round));
    expect(Math.min(...loads)).toBeLessThan(1_000);
    const allowed = [new URL(emulator.uiUrl).origin, emulator.current!.addresses.grpcWeb.url];
    const elsewhere = urls.filter((url) => !allowed.some((origin) => url.startsWith(origin)));
    expect(elsewhere).toEqual([]);
    await page.close();
  });

  it("fits a narrow window without sideways scrolling of the page", async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 390, height: 800 });
    for (const view of ["services", "workers", "events", "request-reply", "state", "websockets"]) {
      await page.goto(emulator.uiUrl + `#/${view}`);
      await page.locator(`main[data-view="${view}"]`).waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, view).toBeLessThanOrEqual(0);
    }
    await page.close();
  });

  it("is reachable from the keyboard: Tab reaches the views, Enter opens one", async () => {
    const page = await browser.context.newPage();
    await page.goto(emulator.uiUrl + "#/workers");
    await page.locator("[data-platform=online]").waitFor();
    let reached = false;
    for (let i = 0; i < 12 && !reached; i++) {
      await page.keyboard.press("Tab");
      reached = await page.evaluate(() => document.activeElement?.getAttribute("href") === "#/state");
    }
    expect(reached).toBe(true);
    await page.keyboard.press("Enter");
    await page.locator('main[data-view="state"]').waitFor();
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("main");
    await page.close();
  });

  it("follows the system's dark and light scheme", async () => {
    const page = await browser.context.newPage();
    const background = async (scheme: "dark" | "light") => {
      await page.emulateMedia({ colorScheme: scheme });
      await page.goto(emulator.uiUrl + "#/workers");
      await page.locator("header").waitFor();
      return page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    };
    const luminance = (rgb: string) => (rgb.match(/\d+/g) ?? []).slice(0, 3).reduce((sum, c) => sum + Number(c), 0);
    expect(luminance(await background("dark"))).toBeLessThan(150);
    expect(luminance(await background("light"))).toBeGreaterThan(600);
    await page.close();
  });

  it("asks for the api key the emulator requires, keeps it in memory only, and works with it", async () => {
    let keyed: Emulator | undefined;
    const page = await browser.context.newPage();
    try {
      keyed = await startEmulator({ ports: 0, uiPort: 0, uiDir, apiKeys: { ui: "s3cret-ui-key" }, logLevel: "silent" });
      await page.goto(keyed.ui!.url + "#/workers");
      const form = page.getByRole("form", { name: "Api key" });
      await form.waitFor();
      await form.locator("input[name=api-key]").fill("wrong-key");
      await form.getByRole("button", { name: "Use key" }).click();
      await page.getByText("the api key was refused").waitFor();
      await form.locator("input[name=api-key]").fill("s3cret-ui-key");
      await form.getByRole("button", { name: "Use key" }).click();
      await page.locator("[data-platform=online]").waitFor();
      await page.getByText("No workers yet").waitFor();
      const stored = await page.evaluate(() =>
        JSON.stringify({
          local: { ...localStorage },
          session: { ...sessionStorage },
          cookie: document.cookie,
          url: location.href,
        }),
      );
      expect(stored).not.toContain("s3cret-ui-key");
      expect(await page.locator("input[name=api-key]").count()).toBe(0);
    } finally {
      await page.close();
      await keyed?.stop();
    }
  });
});
