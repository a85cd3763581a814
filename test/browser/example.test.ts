/**
 * examples/browser, built with Vite as `npm run example:browser` builds it, served on its own
 * loopback origin and driven in Chromium against the emulator's gRPC-Web port.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { build } from "vite";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startEmulator, type Emulator } from "../../emulator/index.js";
import { installNetworkJail } from "../security/network-jail.js";
import { ensureSdkBuilt, ROOT } from "../support/built-sdk.js";
import { launchChromium, type LaunchedChromium } from "../support/chromium.js";
import { serveStatic, type StaticServer } from "../support/static-server.js";

const API_KEY = "example-key-77d2e0";
const EXAMPLE = join(ROOT, "examples", "browser");
const jail = installNetworkJail();

let chromium: LaunchedChromium;
let site: StaticServer;
let emulator: Emulator;

function filesUnder(dir: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.set(`/${relative(dir, path)}`, readFileSync(path));
    }
  };
  walk(dir);
  return files;
}

beforeAll(async () => {
  ensureSdkBuilt();
  await build({ configFile: join(EXAMPLE, "vite.config.ts"), logLevel: "silent" });
  [chromium, site] = await Promise.all([launchChromium(), serveStatic(filesUnder(join(EXAMPLE, "dist")))]);
  emulator = await startEmulator({ ports: 0, logLevel: "error", apiKeys: { example: API_KEY }, corsOrigins: [site.origin] });
}, 120_000);

afterAll(async () => {
  await emulator?.stop();
  await chromium?.close();
  await site?.close();
  jail.uninstall();
  expect(jail.violations).toEqual([]);
});

it.each(["grpc-web", "connect"])(
  "the built example page calls the platform over %s and leaves nothing open",
  async (protocol) => {
    const tab = await chromium.browser.newPage();
    const logged: string[] = [];
    tab.on("console", (message) => logged.push(message.text()));
    const query = new URLSearchParams({
      endpoint: `http://127.0.0.1:${emulator.addresses.grpcWeb.port}`,
      protocol,
      key: API_KEY,
      run: "1",
    });
    await tab.goto(`${site.origin}/?${query}`);
    await tab.waitForFunction(
      () =>
        document.getElementById("status")?.textContent !== "calling ..." && document.getElementById("status")?.textContent !== "",
      undefined,
      { timeout: 20_000 },
    );
    await tab.waitForFunction(
      () => (document.getElementById("events")?.textContent ?? "").includes("from the browser"),
      undefined,
      { timeout: 10_000 },
    );
    const text = (id: string) => tab.locator(`#${id}`).textContent();
    expect(await text("status")).toBe("ok");
    expect(JSON.parse((await text("services")) ?? "[]")).toEqual(expect.arrayContaining(["workmanager", "websocketmanager"]));
    expect(JSON.parse((await text("state")) ?? "{}")).toMatchObject({ key: "browser-example/runs" });
    expect(await text("workers")).toBe("(none)");
    expect(emulator.activeSubscriptions()).toBe(1);
    await tab.close();
    await expect.poll(() => emulator.activeStreams(), { timeout: 10_000 }).toBe(0);
    expect(logged.filter((line) => line.includes(API_KEY))).toEqual([]);
  },
);
