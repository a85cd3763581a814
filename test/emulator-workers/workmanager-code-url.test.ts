/**
 * Worker code from URLs: a real HTTP server on loopback, the host allow-list, the private
 * address guard (on by default, off only by explicit option), redirects, size and time limits.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAllowedHost, isPrivateAddress } from "../../emulator/workmanager/address-guard.js";
import { publishJson, requirePython, startWorkManager, TopicRecorder, type TestWorkManager } from "./harness.js";
import { failure } from "../support/failure.js";

const WORKER = "def Process(event):\n    return {'type': 'url-out', 'source': 'url-worker', 'data': 'v1'}\n";
const WORKER_V2 = "def Process(event):\n    return {'type': 'url-out', 'source': 'url-worker', 'data': 'v2'}\n";

let server: http.Server;
let base: string;
let hits = 0;

const fromUrl = (url: string) => ({
  codeSource: { source: { case: "url" as const, value: url } },
  mimeType: "text/x-python",
  topic: "t-url",
});

beforeAll(async () => {
  requirePython();
  server = http.createServer((req, res) => {
    hits += 1;
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/worker.py") return void res.end(WORKER);
    if (path === "/v2.py") return void res.end(WORKER_V2);
    if (path === "/redirect") return void res.writeHead(302, { location: "/v2.py" }).end();
    if (path === "/loop") return void res.writeHead(302, { location: "/loop" }).end();
    if (path === "/to-file") return void res.writeHead(301, { location: "file:///etc/passwd" }).end();
    if (path === "/to-localhost")
      return void res.writeHead(307, { location: base.replace("127.0.0.1", "localhost") + "/worker.py" }).end();
    if (path === "/big") return void res.end("#".repeat(2 * 1024 * 1024));
    if (path === "/big-chunked") {
      res.writeHead(200, { "transfer-encoding": "chunked" });
      for (let i = 0; i < 40; i++) res.write("#".repeat(64 * 1024));
      return void res.end();
    }
    if (path === "/slow") return; // never answers
    res.writeHead(404).end("no");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

describe("code from URLs, loopback explicitly allowed", () => {
  let wm: TestWorkManager;
  beforeAll(async () => {
    wm = await startWorkManager({ allowedCodeHosts: ["127.0.0.1"], allowPrivateCodeHosts: true, codeFetchTimeoutMs: 1_000 });
  });
  afterAll(async () => wm?.close());

  it("creates a worker from a URL, runs it, and reloads it from a redirecting URL", async () => {
    const { id } = await wm.client.createWorker(fromUrl(`${base}/worker.py`));
    await wm.client.startWorker({ id });
    const out = new TopicRecorder(wm.pubsub, "url-out");
    await publishJson(wm.pubsub, "t-url", {});
    expect(new TextDecoder().decode((await out.waitFor(1))[0]!.data)).toBe("v1");

    await wm.client.loadCodeFromUrl({ id, url: `${base}/redirect` });
    await publishJson(wm.pubsub, "t-url", {});
    expect(new TextDecoder().decode((await out.waitFor(2))[1]!.data)).toBe("v2");
    out.stop();

    const listed = (await wm.client.listWorkers({})).workers.find((w) => w.id === id);
    expect(listed?.codeSource?.source).toEqual({ case: "url", value: `${base}/redirect` });
    const history = (await wm.client.getWorkerHistory({ id })).entries.map((e) => e.codeSource?.source.value);
    expect(history).toEqual([`${base}/worker.py`, `${base}/redirect`]);
    await wm.client.deleteWorker({ id });
  });

  it("reports fetch failures as FAILED_PRECONDITION, without credentials or query in the message", async () => {
    const notFound = await failure(
      wm.client.createWorker(fromUrl(`http://user:hunter2@127.0.0.1:${new URL(base).port}/missing?token=abc123`)),
      ConnectError,
    );
    expect(notFound.code).toBe(Code.FailedPrecondition);
    expect(notFound.rawMessage).toMatch(/HTTP 404/);
    expect(notFound.rawMessage).not.toMatch(/hunter2|abc123/);

    const loop = await failure(wm.client.createWorker(fromUrl(`${base}/loop`)), ConnectError);
    expect([Code[loop.code], loop.rawMessage]).toEqual(["FailedPrecondition", expect.stringMatching(/more than 5 redirects/)]);

    for (const path of ["/big", "/big-chunked"]) {
      const big = await failure(wm.client.createWorker(fromUrl(`${base}${path}`)), ConnectError);
      expect([Code[big.code], big.rawMessage]).toEqual(["FailedPrecondition", expect.stringMatching(/limit of 1048576/)]);
    }

    const started = Date.now();
    const slow = await failure(wm.client.createWorker(fromUrl(`${base}/slow`)), ConnectError);
    expect([Code[slow.code], slow.rawMessage]).toEqual(["FailedPrecondition", expect.stringMatching(/timed out after 1000 ms/)]);
    expect(Date.now() - started).toBeLessThan(5_000);

    const toFile = await failure(wm.client.createWorker(fromUrl(`${base}/to-file`)), ConnectError);
    expect(Code[toFile.code]).toBe("InvalidArgument");

    // A redirect to a host that is not on the allow-list is refused like a direct link.
    const elsewhere = await failure(wm.client.createWorker(fromUrl(`${base}/to-localhost`)), ConnectError);
    expect([Code[elsewhere.code], elsewhere.rawMessage]).toEqual([
      "InvalidArgument",
      expect.stringMatching(/host "localhost" is not allowed/),
    ]);
    expect((await wm.client.listWorkers({})).workers).toHaveLength(0);
  });
});

describe("code from URLs, guarded (the default)", () => {
  it("refuses loopback addresses, by IP and after DNS resolution, without connecting", async () => {
    const wm = await startWorkManager({ allowedCodeHosts: ["127.0.0.1", "localhost"] });
    try {
      const before = hits;
      const byIp = await failure(wm.client.createWorker(fromUrl(`${base}/worker.py`)), ConnectError);
      expect([Code[byIp.code], byIp.rawMessage]).toEqual([
        "InvalidArgument",
        expect.stringMatching(/private address 127\.0\.0\.1/),
      ]);
      const byName = await failure(
        wm.client.createWorker(fromUrl(`${base.replace("127.0.0.1", "localhost")}/worker.py`)),
        ConnectError,
      );
      expect([Code[byName.code], byName.rawMessage]).toEqual(["InvalidArgument", expect.stringMatching(/private address/)]);
      expect(hits).toBe(before);
    } finally {
      await wm.close();
    }
  });

  it("refuses hosts that are not on the allow-list (empty by default)", async () => {
    const wm = await startWorkManager({ allowPrivateCodeHosts: true });
    try {
      const err = await failure(wm.client.createWorker(fromUrl(`${base}/worker.py`)), ConnectError);
      expect([Code[err.code], err.rawMessage]).toEqual([
        "InvalidArgument",
        expect.stringMatching(/not allowed.*allowedCodeHosts/),
      ]);
    } finally {
      await wm.close();
    }
  });

  it("classifies addresses and host patterns", () => {
    for (const address of [
      "127.0.0.1",
      "10.1.2.3",
      "172.20.0.1",
      "192.168.1.1",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "::1",
      "::",
      "fe80::1",
      "fd00:ec2::254",
      "::ffff:127.0.0.1",
      "::ffff:10.0.0.1",
    ]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    for (const address of ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
      expect(isPrivateAddress(address), address).toBe(false);
    expect(isAllowedHost("code.example.com", ["*.example.com"])).toBe(true);
    expect(isAllowedHost("example.com", ["*.example.com"])).toBe(false);
    expect(isAllowedHost("evil-example.com", ["*.example.com"])).toBe(false);
    expect(isAllowedHost("Example.COM", ["example.com"])).toBe(true);
    expect(isAllowedHost("anything.org", ["*"])).toBe(true);
    expect(isAllowedHost("anything.org", [])).toBe(false);
  });
});
