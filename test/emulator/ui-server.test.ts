/**
 * The web UI's static server: serves the built page with a Content-Security-Policy that allows
 * only its own files and the gRPC-Web port, `/config.json` with that port, nothing outside its
 * folder, a clear page when the UI is not built; and the gRPC-Web server allows the UI's origin
 * even when CORS is restricted.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startEmulator } from "../../emulator/index.js";
import { startUiServer } from "../../emulator/server/index.js";

const dir = mkdtempSync(join(tmpdir(), "virtufin-ui-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the web UI server", () => {
  it("serves the page, its assets and config.json, never a file outside its folder", async () => {
    const bundle = join(dir, "bundle");
    mkdirSync(join(bundle, "assets"), { recursive: true });
    writeFileSync(join(bundle, "index.html"), "<!doctype html><title>ui</title>");
    writeFileSync(join(bundle, "assets", "app.js"), "export {}");
    writeFileSync(join(dir, "secret.txt"), "not for the page");
    const ui = await startUiServer({
      port: 0,
      dir: bundle,
      config: () => ({ grpcWebPort: 5003, tls: false, apiKeyRequired: true }),
    });
    try {
      expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const page = await fetch(ui.url);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toContain("text/html");
      expect(page.headers.get("content-security-policy")).toBe(
        "default-src 'self'; connect-src 'self' http://*:5003; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
      );
      expect((await fetch(ui.url + "assets/app.js")).headers.get("content-type")).toContain("text/javascript");
      expect(await (await fetch(ui.url + "config.json")).json()).toEqual({ grpcWebPort: 5003, tls: false, apiKeyRequired: true });
      for (const path of ["../secret.txt", "%2e%2e/secret.txt", "assets/../../secret.txt", "missing.js"]) {
        const response = await fetch(ui.url + path);
        expect(response.status, path).toBe(404);
        expect(await response.text()).not.toContain("not for the page");
      }
      expect((await fetch(ui.url, { method: "POST" })).status).toBe(405);
    } finally {
      await ui.close();
    }
  });

  it("says how to build the page when it is not built", async () => {
    const ui = await startUiServer({
      port: 0,
      dir: join(dir, "nothing-here"),
      config: () => ({ grpcWebPort: 1, tls: false, apiKeyRequired: false }),
    });
    try {
      const response = await fetch(ui.url);
      expect(response.status).toBe(503);
      expect(await response.text()).toContain("npm run build");
    } finally {
      await ui.close();
    }
  });

  it("lets the UI's origin call the gRPC-Web server when CORS is restricted; --no-ui serves none", async () => {
    const emulator = await startEmulator({ ports: 0, uiPort: 0, corsOrigins: ["http://app.example"], logLevel: "silent" });
    try {
      const preflight = (origin: string) =>
        fetch(`${emulator.addresses.grpcWeb.url}/virtufin.Gateway/ListServices`, {
          method: "OPTIONS",
          headers: {
            Origin: origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-grpc-web",
          },
        });
      for (const origin of [
        `http://127.0.0.1:${emulator.ui!.port}`,
        `http://localhost:${emulator.ui!.port}`,
        "http://app.example",
      ]) {
        expect((await preflight(origin)).headers.get("access-control-allow-origin"), origin).toBe(origin);
      }
      expect((await preflight("http://elsewhere.example")).headers.get("access-control-allow-origin")).toBeNull();
    } finally {
      await emulator.stop();
    }
    const none = await startEmulator({ ports: 0, uiPort: false, logLevel: "silent" });
    expect(none.ui).toBeUndefined();
    await none.stop();
  });
});
