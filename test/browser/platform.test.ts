/**
 * The SDK in Debian's Chromium, against the emulator's gRPC-Web port, from a page served on
 * another loopback origin; the page is the SDK bundled by esbuild from the built package with no
 * shims. Over gRPC-Web and Connect: unary calls of every service the browser reaches, streams
 * through a restart and an abort, request-reply, typed and dynamic Gateway dispatch, typed
 * errors, CORS, leaks and credentials.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { startEmulator, type Emulator, type EmulatorOptions } from "../../emulator/index.js";
import { ApiClient } from "../../platform/api-client.js";
import { serveTimeWorker } from "../../examples/custom-service/gen/acme/pricing/v1/pricing_client.js";
import { timeWorkerImpl } from "../../examples/custom-service/time-worker.js";
import { emulatorPorts, type EmulatorPortSet } from "../support/emulator-process.js";
import { installNetworkJail } from "../security/network-jail.js";
import { bundleForBrowser, servePage } from "../support/browser-page.js";
import { launchChromium, type LaunchedChromium } from "../support/chromium.js";
import type { StaticServer } from "../support/static-server.js";
import type { PageGlobals } from "./page/main.js";

const API_KEY = "browser-test-key-3f9a1c";
const jail = installNetworkJail();

let chromium: LaunchedChromium;
let page: StaticServer;
let otherOrigin: StaticServer;
let ports: EmulatorPortSet;
let emulator: Emulator;
let emulatorOptions: EmulatorOptions;
let node: ApiClient;
const consoleLines: string[] = [];
const requested: string[] = [];

/** A fresh page on `origin`, with its console and requests recorded; non-loopback requests are aborted. */
async function openPage(origin: string): Promise<Page> {
  const tab = await chromium.browser.newPage();
  tab.on("console", (message) => consoleLines.push(message.text()));
  tab.on("pageerror", (error) => consoleLines.push(String(error)));
  await tab.route("**/*", (route) => {
    const url = new URL(route.request().url());
    requested.push(url.href);
    return /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(url.hostname) ? route.continue() : route.abort();
  });
  await tab.goto(origin);
  await tab.waitForSelector("body[data-ready=true]", { state: "attached" });
  return tab;
}

/** {@link openPage}, with the Connect protocol enabled in the page when it is the one tested. */
async function openPageFor(origin: string, protocol: "grpc-web" | "connect"): Promise<Page> {
  const tab = await openPage(origin);
  if (protocol === "connect") await tab.evaluate(() => (globalThis as unknown as PageGlobals).sdk.enableConnectProtocol());
  return tab;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  const [script, launched] = await Promise.all([
    bundleForBrowser(new URL("./page/main.ts", import.meta.url).pathname),
    launchChromium(),
  ]);
  chromium = launched;
  page = await servePage(script);
  otherOrigin = await servePage(script);
  ports = await emulatorPorts();
  emulatorOptions = { ports, logLevel: "error", apiKeys: { test: API_KEY }, corsOrigins: [page.origin] };
  emulator = await startEmulator(emulatorOptions);
  node = new ApiClient({ host: "127.0.0.1", port: ports.gateway, apiKey: API_KEY });
}, 120_000);

afterAll(async () => {
  await node?.close();
  await emulator?.stop();
  await chromium?.close();
  await page?.close();
  await otherOrigin?.close();
  jail.uninstall();
  // Only loopback was ever asked for, by this process and by the browser.
  expect(jail.violations).toEqual([]);
  expect(requested.filter((url) => !/^http:\/\/127\.0\.0\.1:\d+\//.test(url))).toEqual([]);
  // No credential was ever written to the page's console.
  expect(consoleLines.filter((line) => line.includes(API_KEY))).toEqual([]);
});

describe.each(["grpc-web", "connect"] as const)("in Chromium over %s", (protocol) => {
  let tab: Page;
  const target = () => ({ baseUrl: `http://127.0.0.1:${ports.grpcWeb}`, protocol, apiKey: API_KEY });

  beforeAll(async () => {
    tab = await openPage(page.origin);
    if (protocol === "connect") {
      // Browsers get the Connect protocol only when asked for; until then it is a clear error.
      const refused = await tab.evaluate(async (t) => {
        const { sdk } = globalThis as unknown as PageGlobals;
        const api = new sdk.ApiClient(t);
        try {
          await api.listServices();
          return "no error";
        } catch (error) {
          return `${(error as { codeName: string }).codeName}: ${(error as Error).message}`;
        } finally {
          await api.close();
        }
      }, target());
      expect(refused).toMatch(/^INVALID_ARGUMENT: .*enableConnectProtocol\(\)/);
      await tab.evaluate(() => (globalThis as unknown as PageGlobals).sdk.enableConnectProtocol());
    }
  });
  afterAll(async () => {
    await tab?.close();
  });
  // Each test's clients are closed after it (page.evaluate code cannot use `await using`: the
  // helpers TypeScript compiles it into do not exist in the page).
  afterEach(async () => {
    await tab.evaluate(async () => {
      const g = globalThis as unknown as PageGlobals;
      for (const client of g.opened ?? []) await client.close();
      g.opened = [];
    });
  });

  it("makes unary calls of Gateway, State, Pubsub and Config, flattened and unwrapped", async () => {
    const result = await tab.evaluate(async (t) => {
      const { sdk } = globalThis as unknown as PageGlobals;
      const api = new sdk.ApiClient(t);
      (globalThis as unknown as PageGlobals).opened = [...((globalThis as unknown as PageGlobals).opened ?? []), api];
      const state = new sdk.StateClient(api);
      const config = new sdk.ConfigClient(api);
      const gateway = new sdk.GatewayClient(api);
      const pubsub = new sdk.PubsubClient(api);
      await api.state.save("browser", `k-${t.protocol}`, "v1");
      const read = await api.state.get("browser", `k-${t.protocol}`);
      const keys = Object.keys(await state.getAllState("browser"));
      const published = await pubsub.publishEvent(`browser-${t.protocol}`, new TextEncoder().encode("{}"));
      return {
        services: await api.listServices(),
        viaGenerated: await gateway.listServices(),
        methods: (await api.listMethods("workmanager")).map((m: { name: string }) => m.name),
        value: read.value,
        etag: typeof read.etag,
        keys,
        published: typeof published,
        configNames: (await config.listServices()).map((c: { name: string }) => c.name),
        health: await api.health(),
      };
    }, target());
    expect(result.services).toEqual(expect.arrayContaining(["workmanager", "websocketmanager"]));
    expect(result.viaGenerated).toEqual(result.services);
    expect(result.methods).toContain("ListWorkers");
    expect(result.configNames).toEqual(expect.arrayContaining(["workmanager"]));
    expect(result.published).toBe("undefined"); // a success resolves to void; a failure would throw
    expect(result).toMatchObject({ value: "v1", etag: "string", keys: [`k-${protocol}`], health: "SERVING" });
  });

  it("dispatches through the typed gateway proxy and dynamically, and runs request-reply with a worker", async () => {
    const result = await tab.evaluate(async (t) => {
      const { sdk } = globalThis as unknown as PageGlobals;
      const api = new sdk.ApiClient(t);
      (globalThis as unknown as PageGlobals).opened = [...((globalThis as unknown as PageGlobals).opened ?? []), api];
      const code = 'def Process(event):\n    return {"type": "reply", "data": {"echo": event["data"]["n"] * 2}}\n';
      const topic = `browser-rr-${t.protocol}`;
      const workmanager = new sdk.WorkManagerGatewayProxy(api);
      const id: string = await workmanager.createWorker({
        codeSource: { content: new TextEncoder().encode(code) },
        mimeType: "text/x-python",
        topic,
      });
      try {
        await workmanager.startWorker(id);
        const typed = (await workmanager.listWorkers()).find((w: { id: string }) => w.id === id);
        const dynamic = (await api.gateway.workmanager.ListWorkers()) as { workers: { id: string }[] };
        const byName = await api.gateway.service("workmanager").call("ListWorkers", {});
        const reply = await api.pubsub.publishWithResult({
          topic,
          data: { n: 21 },
          replyTopic: `${topic}-replies`,
          timeoutMs: 20_000,
        });
        return {
          status: typed?.status,
          dynamicIds: dynamic.workers.map((w) => w.id),
          byNameCount: (byName as { workers: unknown[] }).workers.length,
          reply: reply.dataAsJson(),
        };
      } finally {
        await workmanager.deleteWorker(id);
      }
    }, target());
    expect(result.status).toBe(2); // WorkerStatus.RUNNING
    expect(result.dynamicIds.length).toBe(result.byNameCount);
    expect(result.reply).toEqual({ echo: 42 });
  });

  it("calls a generated <Service>PubsubClient answered by serveTimeWorker in Node", async () => {
    const responder = serveTimeWorker(node, timeWorkerImpl);
    await responder.startup();
    try {
      await waitFor(() => emulator.activeSubscriptions() >= 1, "the responder's subscription");
      const result = await tab.evaluate(async (t) => {
        const { sdk, TimeWorkerPubsubProxy } = globalThis as unknown as PageGlobals;
        const api = new sdk.ApiClient(t);
        (globalThis as unknown as PageGlobals).opened = [...((globalThis as unknown as PageGlobals).opened ?? []), api];
        const time = new TimeWorkerPubsubProxy(api);
        const now = await time.getTime({ zone: "UTC", unixSeconds: 86_400n });
        const elapsed = await time.elapsed({ fromUnixSeconds: 10n, toUnixSeconds: 52n });
        let code = "";
        try {
          await time.getTime({ zone: "Mars/Olympus" });
        } catch (error) {
          code = (error as { codeName: string }).codeName;
        }
        return { iso: now.iso, elapsed: String(elapsed), code };
      }, target());
      expect(result).toEqual({ iso: "1970-01-02T00:00:00Z", elapsed: "42", code: "INVALID_ARGUMENT" });
    } finally {
      await responder.shutdown();
    }
  });

  it("raises typed errors: NOT_FOUND, DEADLINE_EXCEEDED by timeoutMs, UNAUTHENTICATED without the key", async () => {
    const result = await tab.evaluate(async (t) => {
      const { sdk } = globalThis as unknown as PageGlobals;
      const codeOf = async (call: () => Promise<unknown>) => {
        try {
          await call();
          return "OK";
        } catch (error) {
          const kind =
            error instanceof sdk.RequestTimeoutError
              ? "RequestTimeoutError"
              : error instanceof sdk.VirtufinError
                ? "VirtufinError"
                : String(error);
          return `${kind}:${(error as { codeName: string }).codeName}`;
        }
      };
      const api = new sdk.ApiClient(t);
      const g = globalThis as unknown as PageGlobals;
      g.opened = [...(g.opened ?? []), api];
      const anonymous = new sdk.ApiClient({ ...t, apiKey: undefined });
      g.opened.push(anonymous);
      const pubsub = new sdk.PubsubClient(api);
      return {
        notFound: await codeOf(() => new sdk.WorkManagerGatewayProxy(api).deleteWorker("no-such-worker")),
        stream: await codeOf(async () => {
          for await (const _ of pubsub.subscribe(`quiet-${t.protocol}`, { timeoutMs: 300 }));
        }),
        requestReply: await codeOf(() =>
          api.pubsub.publishWithResult({ topic: "nobody-answers", replyTopic: "nobody-answers-r", timeoutMs: 300 }),
        ),
        unauthenticated: await codeOf(() => anonymous.listServices()),
      };
    }, target());
    expect(result).toEqual({
      notFound: "VirtufinError:NOT_FOUND",
      stream: "VirtufinError:DEADLINE_EXCEEDED",
      requestReply: "RequestTimeoutError:DEADLINE_EXCEEDED",
      unauthenticated: "VirtufinError:UNAUTHENTICATED",
    });
  });

  it("reads a subscription with for await through an emulator restart (no loss, no duplicate), then aborts it", async () => {
    const topic = `browser-restart-${protocol}`;
    await tab.evaluate(
      ({ t, topic }) => {
        const g = globalThis as unknown as PageGlobals;
        const received: number[] = [];
        const controller = new AbortController();
        const api = new g.sdk.ApiClient(t);
        Object.assign(g, { received, reconnects: 0, controller, api });
        g.done = (async () => {
          for await (const event of api.pubsub.subscribe(topic, {
            signal: controller.signal,
            reconnect: { initialDelayMs: 50, maxDelayMs: 250 },
            onReconnect: () => {
              g.reconnects = (g.reconnects ?? 0) + 1;
            },
          })) {
            received.push(event.dataAsJson<{ n: number }>().n);
          }
          return "ended";
        })();
      },
      { t: target(), topic },
    );
    const received = () => tab.evaluate(() => (globalThis as unknown as PageGlobals).received);
    await waitFor(() => emulator.activeSubscriptions() === 1, "the page's subscription");
    for (let n = 0; n < 10; n++) await node.pubsub.publish(topic, { n });
    await expect.poll(received, { timeout: 10_000 }).toHaveLength(10);

    await node.close();
    await emulator.stop();
    emulator = await startEmulator(emulatorOptions);
    node = new ApiClient({ host: "127.0.0.1", port: ports.gateway, apiKey: API_KEY });
    await waitFor(() => emulator.activeSubscriptions() === 1, "the page's subscription to reopen", 15_000);
    for (let n = 10; n < 20; n++) await node.pubsub.publish(topic, { n });
    await expect.poll(received, { timeout: 10_000 }).toHaveLength(20);
    expect(await received()).toEqual([...Array(20).keys()]);
    expect(await tab.evaluate(() => (globalThis as unknown as PageGlobals).reconnects)).toBeGreaterThanOrEqual(1);

    const ended = await tab.evaluate(async () => {
      const g = globalThis as unknown as PageGlobals;
      g.controller!.abort();
      const result = await g.done;
      await g.api!.close();
      return result;
    });
    expect(ended).toBe("ended");
    // The server saw the stream end.
    await waitFor(() => emulator.activeStreams() === 0, "the aborted stream to end on the server");
  }, 60_000);

  it("leaves no stream or subscription on the emulator once the page closes", async () => {
    const extra = await openPageFor(page.origin, protocol);
    await extra.evaluate((t) => {
      const { sdk } = globalThis as unknown as PageGlobals;
      const api = new sdk.ApiClient(t);
      // Left open on purpose: closing the page must end them.
      void (async () => {
        for await (const _ of api.pubsub.subscribe("left-open"));
      })().catch(() => undefined);
      void (async () => {
        for await (const _ of api.subscribe({ topics: ["left-open"] }));
      })().catch(() => undefined);
    }, target());
    await waitFor(() => emulator.activeStreams() === 2, "the page's two streams");
    await extra.close();
    await waitFor(
      () => emulator.activeStreams() === 0 && emulator.activeSubscriptions() === 0,
      "the server to see the streams end",
    );
  });

  it("reports telemetry only after enableTelemetry(): refused with FAILED_PRECONDITION before, calls go through after", async () => {
    const result = await tab.evaluate(async (t) => {
      const { sdk } = globalThis as unknown as PageGlobals;
      const g = globalThis as unknown as PageGlobals;
      const before = new sdk.ApiClient({ ...t, telemetry: "global" });
      g.opened = [...(g.opened ?? []), before];
      let refused = "";
      try {
        await before.listServices();
      } catch (error) {
        refused = `${(error as { codeName: string }).codeName}: ${(error as Error).message}`;
      }
      sdk.enableTelemetry();
      const after = new sdk.ApiClient({ ...t, telemetry: "global" });
      g.opened.push(after);
      return { refused, services: await after.listServices(), loaded: (await after.connection.loadTelemetry()) !== undefined };
    }, target());
    expect(result.refused).toMatch(/^FAILED_PRECONDITION: .*enableTelemetry\(\)/);
    expect(result.services).toContain("workmanager");
    expect(result.loaded).toBe(true);
  });

  it("refuses an origin the emulator does not allow, with a clear error", async () => {
    const stranger = await openPageFor(otherOrigin.origin, protocol);
    try {
      const message = await stranger.evaluate(async (t) => {
        const { sdk } = globalThis as unknown as PageGlobals;
        const api = new sdk.ApiClient({ ...t, retry: false });
        try {
          await api.listServices();
          return "no error";
        } catch (error) {
          return `${(error as { codeName: string }).codeName}: ${(error as Error).message}`;
        }
      }, target());
      expect(message).toMatch(/^UNAVAILABLE: .*CORS policy does not allow this page's origin \(http:\/\/127\.0\.0\.1:\d+\)/);
      expect(message).toContain(otherOrigin.origin);
    } finally {
      await stranger.close();
    }
  });

  it("refuses credentials over plaintext to a non-loopback origin before any request", async () => {
    const before = requested.length;
    const refusals = await tab.evaluate(async (t) => {
      const { sdk } = globalThis as unknown as PageGlobals;
      const out: string[] = [];
      for (const options of [
        { baseUrl: "http://api.example.com:5003", apiKey: "secret-k" },
        { host: "10.1.2.3", port: 5003, token: "secret-t" },
        { baseUrl: "http://api.example.com", headers: { "x-api-key": "secret-h" } },
      ]) {
        try {
          new sdk.ApiClient({ ...options, protocol: t.protocol });
          out.push("accepted");
        } catch (error) {
          out.push(`${(error as { codeName: string }).codeName}: ${(error as Error).message}`);
        }
      }
      return out;
    }, target());
    expect(refusals).toHaveLength(3);
    for (const refusal of refusals) {
      expect(refusal).toMatch(/^INVALID_ARGUMENT: .*refusing to send credentials over plaintext/);
      expect(refusal).not.toMatch(/secret-/);
    }
    expect(requested.slice(before)).toEqual([]);
  });
});
