/**
 * The emulator's web UI in Chromium, used as a person would: workers created from the UI run,
 * an event published from the UI is seen and its reply matched, a stale etag is refused, the
 * Gateway's methods are called, a WebSocket's reconnect is counted, and the page says when the
 * platform is gone and recovers when it is back.
 */
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { WebSocketServer } from "ws";
import { WorkManagerGatewayProxy } from "../../generated/virtufin/workmanager_client.js";
import { ApiClient } from "../../platform/api-client.js";
import { launchChromium, type LaunchedChromium } from "../support/chromium.js";
import { buildUi, openView, restartableEmulator, type RestartableEmulator } from "./helpers.js";

let emulator: RestartableEmulator;
let uiDir: string;
let browser: LaunchedChromium;
let page: Page;
let api: ApiClient;
const pageErrors: string[] = [];

beforeAll(async () => {
  uiDir = buildUi();
  emulator = await restartableEmulator(uiDir);
  api = new ApiClient({ host: "127.0.0.1", port: emulator.current!.addresses.gateway.port });
  browser = await launchChromium();
  page = await browser.context.newPage();
  page.on("pageerror", (error) => pageErrors.push(error.message));
  await page.goto(emulator.uiUrl + "#/workers");
  await page.locator("[data-platform=online]").waitFor();
}, 120_000);

afterEach(async (ctx) => {
  // A failed step leaves a picture of the page behind, for whoever reads the CI log.
  if (ctx.task.result?.state !== "fail") return;
  const path = join(tmpdir(), `virtufin-ui-failure-${Date.now()}.png`);
  await page.screenshot({ path, fullPage: true }).then(
    () => console.error(`screenshot of the page: ${path}`),
    () => undefined,
  );
});

afterAll(async () => {
  await browser?.close();
  await api?.close();
  await emulator?.stop();
  if (uiDir) rmSync(uiDir, { recursive: true, force: true });
});

const row = (selector: string) => page.locator(selector);

describe("the emulator's web UI", () => {
  it("Workers: creates a Python and a JavaScript worker from the form and shows both RUNNING", async () => {
    await openView(page, "workers", "Workers");
    const form = page.getByRole("form", { name: "Create a worker" });
    await form.locator("input[name=topic]").fill("ui-requests");
    await form.getByRole("button", { name: "Create" }).click();
    await row("tr[data-language=Python][data-status=RUNNING]").waitFor({ timeout: 20_000 });

    // A file fills the code and picks the language from its extension.
    await form.locator('input[type="file"]').setInputFiles({
      name: "echo.mjs",
      mimeType: "text/javascript",
      buffer: Buffer.from("export function Process(event) { return null; }\n"),
    });
    // The file is read asynchronously: wait for it, or its late arrival overwrites the sample below.
    await page.waitForFunction(() =>
      document.querySelector<HTMLTextAreaElement>("textarea[name=code]")?.value.startsWith("export function Process"),
    );
    await form.locator("select[name=language]").selectOption("python");
    await page.waitForFunction(() =>
      document.querySelector<HTMLTextAreaElement>("textarea[name=code]")?.value.includes("def Process"),
    );
    await form.locator('input[type="file"]').setInputFiles({
      name: "echo.mjs",
      mimeType: "text/javascript",
      buffer: Buffer.from("export function Process(event) { return null; }\n"),
    });
    await page.waitForFunction(() =>
      document.querySelector<HTMLTextAreaElement>("textarea[name=code]")?.value.startsWith("export function Process"),
    );
    expect(await form.locator("select[name=language]").inputValue()).toBe("javascript");

    await form.locator("select[name=language]").selectOption("javascript");
    // The JavaScript sample replaces the Python one (rendered on the next animation frame).
    await page.waitForFunction(() =>
      document.querySelector<HTMLTextAreaElement>("textarea[name=code]")?.value.includes("module.exports"),
    );
    await form.locator("input[name=topic]").fill("ui-js-requests");
    await form.getByRole("button", { name: "Create" }).click();
    await row("tr[data-language=JavaScript][data-status=RUNNING]").waitFor({ timeout: 20_000 });

    // What the UI shows is what the WorkManager has.
    const workers = await new WorkManagerGatewayProxy(api).listWorkers();
    expect(workers.map((w) => `${w.language}:${w.topic}`).sort()).toEqual(["JavaScript:ui-js-requests", "Python:ui-requests"]);

    // Stop and start from the detail panel.
    await row("tr[data-language=JavaScript] button.link").click();
    await page.getByRole("button", { name: "Stop" }).click();
    await row("tr[data-language=JavaScript][data-status=STOPPED]").waitFor();
    await page.getByRole("button", { name: "Start" }).click();
    await row("tr[data-language=JavaScript][data-status=RUNNING]").waitFor();

    // New code, inline: the code history grows to two versions.
    await page.getByText("Upload new code").click();
    await page
      .getByRole("complementary", { name: "Selected worker" })
      .locator("textarea")
      .fill(
        'function Process(event) {\n  return { type: "com.example.echo", source: "js-worker", data: { echo: event.data, by: "javascript" } };\n}\nmodule.exports = { Process };\n',
      );
    await page.getByRole("button", { name: "Load code" }).click();
    await page.getByRole("heading", { name: "Code history (2)" }).waitFor();
    await page.locator("ol.history li").nth(1).waitFor();
    // Two worker processes start here; beside the Redis kill test on 2 cores the Python one alone
    // has taken over 20 s, so the test gets room for both waits (the next test needs its workers).
  }, 60_000);

  it("Events and Request-reply: a request published from the UI arrives, the worker's reply is matched with its latency", async () => {
    await openView(page, "events", "Events");
    const form = page.getByRole("form", { name: "Publish an event" });
    await form.locator("input[name=publish-topic]").fill("ui-js-requests");
    await form.locator("input[name=publish-data]").fill('{"question": 42}');
    await form.locator("input[name=reply-topic]").fill("ui-replies");
    await form.getByRole("button", { name: "Publish" }).click();
    await form.getByText(/Reply on "ui-replies"/).waitFor({ timeout: 15_000 });
    expect(await form.locator(".status").textContent()).toContain('"by":"javascript"');

    // Both events are in the live list; the request's CloudEvent attributes and data open up.
    await row('li.event[data-topic="ui-replies"]').first().waitFor();
    const request = row('li.event[data-topic="ui-js-requests"]').first();
    await request.locator("button.summary").click();
    const attrs = await request.locator("table.attrs").textContent();
    expect(attrs).toContain("correlationid");
    expect(attrs).toContain("replytopic");
    expect(await request.locator("pre.data").textContent()).toContain('"question": 42');

    // Filters: by topic, then by text.
    // The list re-renders after the filter changes: poll rather than read once.
    await page.locator("select").nth(1).selectOption("ui-replies");
    await expect.poll(() => row('li.event[data-topic="ui-js-requests"]').count(), { timeout: 5_000 }).toBe(0);
    await page.locator("select").nth(1).selectOption("");
    await page.locator("input[name=filter-text]").fill("question");
    await expect.poll(() => row("li.event").count(), { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    await page.locator("input[name=filter-text]").fill("");

    // Pause freezes the list and counts what it holds back; Resume shows it.
    await page.getByRole("button", { name: "Pause" }).click();
    await api.pubsub.publish("while-paused", { n: 1 });
    await page.getByText("1 newer not shown").waitFor();
    await expect.poll(() => row('li.event[data-topic="while-paused"]').count(), { timeout: 5_000 }).toBe(0);
    await page.getByRole("button", { name: "Resume" }).click();
    await row('li.event[data-topic="while-paused"]').waitFor();

    await openView(page, "request-reply", "Request-reply");
    const pair = row("tr[data-state=answered]").first();
    await pair.waitFor();
    expect(await pair.textContent()).toMatch(/ui-js-requests.*ui-replies.*\d+ ms/s);

    // The worker counted it.
    await openView(page, "workers", "Workers");
    await row("tr[data-language=JavaScript] button.link").click();
    await page.locator('dd[data-counter="processed"]', { hasText: "1" }).waitFor();
  });

  it("Request-reply flags a request nobody answers once its time has passed; Events highlights dead letters", async () => {
    await openView(page, "request-reply", "Request-reply");
    await page.getByLabel("Flag unanswered after (ms)").fill("500");
    await page.getByLabel("Flag unanswered after (ms)").press("Enter");
    await api.pubsub.publish(
      "nobody-listens",
      { ping: 1 },
      { correlationId: "corr-unanswered", metadata: { replytopic: "nobody-replies" } },
    );
    await row('tr[data-correlation-id="corr-unanswered"][data-state=unanswered]').waitFor({ timeout: 5_000 });

    const id = await new WorkManagerGatewayProxy(api).createWorker({
      codeSource: { content: new TextEncoder().encode('def Process(event):\n    raise ValueError("always fails")\n') },
      mimeType: "text/x-python",
      topic: "ui-fail",
    });
    await new WorkManagerGatewayProxy(api).startWorker(id);
    await api.pubsub.publish("ui-fail", { doomed: true });
    await openView(page, "events", "Events");
    // Three attempts with backoff, then the dead letter: allow for a loaded machine.
    await row('li.event.dead[data-topic="ui-fail-dead"]').waitFor({ timeout: 25_000 });
    await openView(page, "workers", "Workers");
    await row(`tr[data-worker="${id}"] button.link`).click();
    await page.locator('dd[data-counter="deadLettered"]', { hasText: "1" }).waitFor();
    expect(Number(await page.locator('dd[data-counter="failed"]').textContent())).toBeGreaterThanOrEqual(1);
    expect(await page.locator("pre.log").textContent()).toContain("always fails");
  }, 60_000);

  it("State: edits a key with a stale etag and sees the typed conflict; a watched key changes live", async () => {
    await api.state.save("ui-test", "greeting", "hello");
    await openView(page, "state", "State");
    await page.locator("input[name=state-service-other]").fill("ui-test");
    await page.locator("input[name=state-service-other]").press("Enter");
    const key = row('tr[data-key="greeting"]');
    await key.getByText("hello").waitFor();

    await key.getByRole("button", { name: "Edit" }).click();
    await page.locator("textarea[name=state-value]").fill("from the UI");
    await api.state.save("ui-test", "greeting", "changed elsewhere"); // the etag the form holds is now stale
    await page.getByText("This key changed since you opened it").waitFor();
    await page.getByRole("button", { name: "Save with etag" }).click();
    await page.getByRole("alert").filter({ hasText: "ABORTED" }).waitFor();
    expect((await api.state.get("ui-test", "greeting")).value).toBe("changed elsewhere");

    // With the current etag it saves.
    await key.getByRole("button", { name: "Edit" }).click();
    await page.locator("textarea[name=state-value]").fill("from the UI");
    await page.getByRole("button", { name: "Save with etag" }).click();
    await key.locator(`td[title="from the UI"]`).waitFor();
    expect((await api.state.get("ui-test", "greeting")).value).toBe("from the UI");

    // Edit chosen while another key's form is open, then typed at once (as fast as a script): the
    // page must already show the new form, or the text goes to the one replaced (the old value
    // was saved, or the two ran together, about one run in five before the fix).
    await api.state.save("ui-test", "other", "untouched");
    const other = row('tr[data-key="other"]');
    await other.getByText("untouched").waitFor();
    for (let i = 1; i <= 5; i++) {
      const typed = `typed at once ${i}`;
      await other.getByRole("button", { name: "Edit" }).click();
      await key.getByRole("button", { name: "Edit" }).click();
      await page.locator("textarea[name=state-value]").fill(typed);
      await page.getByRole("button", { name: "Save with etag" }).click();
      await key.locator(`td[title="${typed}"]`).waitFor({ timeout: 10_000 });
      expect((await api.state.get("ui-test", "greeting")).value).toBe(typed);
    }
    expect((await api.state.get("ui-test", "other")).value).toBe("untouched");

    await key.getByRole("button", { name: "Watch" }).click();
    await api.state.save("ui-test", "greeting", "live update");
    await page.locator("code.watched-value", { hasText: "live update" }).waitFor();
  });

  it("Services: lists backends and methods with their schemas; calls a unary method and shows a typed error", async () => {
    await openView(page, "services", "Services");
    await page.locator('[data-service="workmanager"] button[data-method="ListWorkers"]').click();
    await page.getByRole("button", { name: "Call" }).click();
    await page.locator("pre.response", { hasText: "ui-requests" }).waitFor();

    await page.locator('[data-service="workmanager"] button[data-method="DeleteWorker"]').click();
    await page.getByRole("table", { name: "Request fields" }).getByText("id").first().waitFor();
    expect(await page.locator("textarea[name=request-json]").inputValue()).toContain('"id"');
    await page.locator("textarea[name=request-json]").fill('{"id": "no-such-worker"}');
    await page.getByRole("button", { name: "Call" }).click();
    await page.getByRole("alert").filter({ hasText: "NOT_FOUND" }).waitFor();
  });

  it("WebSocketManager: a connection opened from the UI shows connected, then its reconnect", async () => {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise<void>((resolve) => server.once("listening", () => resolve()));
    try {
      const url = `ws://127.0.0.1:${(server.address() as { port: number }).port}/feed`;
      await openView(page, "websockets", "WebSocketManager");
      await page.locator("input[name=ws-url]").fill(url);
      await page.getByRole("button", { name: "Connect" }).click();
      const connection = row("tr[data-connection][data-status=connected]");
      await connection.waitFor();
      for (const client of server.clients) client.terminate();
      await connection.locator("td.num", { hasText: /^1$/ }).first().waitFor({ timeout: 15_000 });
      await connection.getByRole("button", { name: "Disconnect" }).click();
      await row("tr[data-connection]").waitFor({ state: "detached" });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("says the platform is gone when the emulator stops, and recovers when it is back", async () => {
    await openView(page, "workers", "Workers");
    await emulator.stop();
    await page.locator("[data-platform=offline]", { hasText: "The platform is gone" }).waitFor({ timeout: 15_000 });
    await emulator.start();
    await page.locator("[data-platform=online]").waitFor({ timeout: 15_000 });
    // A fresh emulator has no workers: the live list follows it.
    await page.getByText("No workers yet").waitFor();
    expect(pageErrors).toEqual([]);
  });
});
