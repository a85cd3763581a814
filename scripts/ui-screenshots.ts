/**
 * Writes screenshots of each view of the emulator's web UI to docs/ui/ (`npm run screenshots`,
 * which builds first; not part of the tests). It starts an emulator, gives each view something to
 * show — a Python and a JavaScript worker, a few requests with replies, a dead letter, state keys,
 * a WebSocket connection to a local server — and photographs the page at 1280×800 in the light
 * scheme, plus the Workers view dark and narrow.
 */
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { WebSocketServer } from "ws";
import { startEmulator } from "../emulator/index.js";
import { WebSocketManagerGatewayProxy } from "../generated/virtufin/websocketmanager_client.js";
import { WorkManagerGatewayProxy } from "../generated/virtufin/workmanager_client.js";
import { ApiClient } from "../platform/api-client.js";
import { launchChromium } from "../test/support/chromium.js";

const out = fileURLToPath(new URL("../docs/ui/", import.meta.url));
mkdirSync(out, { recursive: true });

const emulator = await startEmulator({ ports: 0, uiPort: 0, logLevel: "error" });
const api = new ApiClient({ host: "127.0.0.1", port: emulator.addresses.gateway.port });
const wsServer = new WebSocketServer({ host: "127.0.0.1", port: 0 });
const browser = await launchChromium();
try {
  const wm = new WorkManagerGatewayProxy(api);
  const worker = async (mimeType: string, topic: string, code: string) => {
    const id = await wm.createWorker({ codeSource: { content: new TextEncoder().encode(code) }, mimeType, topic });
    await wm.startWorker(id);
    return id;
  };
  await worker(
    "text/x-python",
    "quotes",
    'def Process(event):\n    print("pricing", event["data"])\n    return {"type": "com.example.quote", "source": "pricer", "data": {"symbol": event["data"]["symbol"], "price": 101.25}}\n',
  );
  await worker(
    "text/javascript",
    "orders",
    'function Process(event) {\n  console.log("order", JSON.stringify(event.data));\n  return { type: "com.example.ack", source: "orders", data: { accepted: true } };\n}\nmodule.exports = { Process };\n',
  );
  await worker("text/x-python", "audit", 'def Process(event):\n    raise RuntimeError("audit store offline")\n');
  for (const symbol of ["BTCUSDT", "ETHUSDT", "SOLUSDT"]) {
    await api.pubsub.publishWithResult({ topic: "quotes", data: { symbol }, replyTopic: "quote-replies", timeoutMs: 10_000 });
  }
  await api.pubsub.publishWithResult({
    topic: "orders",
    data: { id: 7, qty: 2 },
    replyTopic: "order-replies",
    timeoutMs: 10_000,
  });
  await api.pubsub.publish("audit", { entry: "login" });
  await api.pubsub.publish(
    "no-responder",
    { ping: true },
    { correlationId: "c0ffee00-dead-4bee-8000-000000000001", metadata: { replytopic: "never" } },
  );
  await api.pubsub.publish("binary-feed", new Uint8Array([0, 1, 2, 254, 255, 128, 64]));
  await api.state.save("pricing", "last-price", JSON.stringify({ BTCUSDT: 101.25 }));
  await api.state.save("pricing", "limits", JSON.stringify({ maxQty: 10 }));
  await api.state.save("pricing", "mode", "live");
  const wsUrl = `ws://127.0.0.1:${(wsServer.address() as { port: number }).port}/ticker`;
  const wsm = new WebSocketManagerGatewayProxy(api);
  const { id: wsId } = await wsm.connect({ url: wsUrl, autoReconnect: true, tags: { feed: "ticker" } });
  await wsm.startPublish(wsId, "ticker-frames");
  for (const client of wsServer.clients) client.send(JSON.stringify({ tick: 1 }));
  await new Promise((resolve) => setTimeout(resolve, 3_000)); // retries and dead letters settle

  const page = await browser.context.newPage();
  const shoot = async (view: string, name: string, prepare?: () => Promise<void>) => {
    await page.goto(`${emulator.ui!.url}#/${view}`);
    await page.locator("[data-platform=online]").waitFor();
    await page.locator(`main[data-view="${view}"]`).waitFor();
    await prepare?.();
    await page.evaluate(() => scrollTo(0, 0));
    await page.waitForTimeout(400);
    await page.screenshot({ path: `${out}${name}.png` });
    console.log(`docs/ui/${name}.png`);
  };
  await shoot("services", "services", async () => {
    await page.locator('[data-service="workmanager"] button[data-method="ListWorkers"]').click();
    await page.getByRole("button", { name: "Call" }).click();
    await page.locator("pre.response").waitFor();
  });
  await shoot("workers", "workers", async () => {
    await page.locator("tr[data-language=Python] button.link").first().click();
    await page.locator("pre.log").waitFor();
  });
  await shoot("events", "events", async () => {
    await page.getByRole("group", { name: "Filters" }).getByLabel("Topic").selectOption("quotes");
    await page.locator('li.event[data-topic="quotes"] button.summary').first().click();
  });
  await shoot("request-reply", "request-reply", async () => {
    await page.getByLabel("Flag unanswered after (ms)").fill("1000");
    await page.getByLabel("Flag unanswered after (ms)").press("Enter");
  });
  await shoot("state", "state", async () => {
    await page.locator("input[name=state-service-other]").fill("pricing");
    await page.locator("input[name=state-service-other]").press("Enter");
    await page.locator('tr[data-key="limits"]').getByRole("button", { name: "Edit" }).click();
    await api.state.save("pricing", "limits", JSON.stringify({ maxQty: 20 }));
    await page.locator("textarea[name=state-value]").fill('{"maxQty": 12}');
    await page.getByRole("button", { name: "Save with etag" }).click();
    await page.getByRole("alert").waitFor();
  });
  await shoot("websockets", "websockets");
  await page.emulateMedia({ colorScheme: "dark" });
  await shoot("workers", "workers-dark", async () => {
    await page.locator("tr[data-language=JavaScript] button.link").first().click();
  });
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize({ width: 390, height: 800 });
  await shoot("events", "events-narrow", async () => {
    await page.getByRole("group", { name: "Filters" }).getByLabel("Topic").selectOption("");
  });
} finally {
  await browser.close();
  await api.close();
  await new Promise<void>((resolve) => wsServer.close(() => resolve()));
  await emulator.stop();
}
