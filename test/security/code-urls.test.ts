// Item 12: LoadCodeFromUrl and CreateWorker with a URL refuse private, loopback, link-local,
// unique-local and metadata targets — IP literals, names after DNS resolution, and every redirect
// hop — unless configuration allows that host; fetches are capped in size and time.
//
// Only loopback traffic: the code server and a "victim" server listen on 127.0.0.1. Every other
// target is refused BEFORE a socket is opened, which the test checks with Node's
// `net.client.socket` diagnostics channel (every connection attempt of this process is recorded)
// and with the victim's connection counter. Internal names (metadata.google.internal, *.localhost)
// are refused by name, so not even a DNS query leaves the machine. Should the guard ever regress,
// the network jail (network-jail.ts) still refuses any non-loopback connect of this process
// before resolution, and the test fails on the recorded violation instead of sending anything.
import dc from "node:diagnostics_channel";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkManagerClient } from "../../generated/virtufin/workmanager_client.js";
import { parseCli } from "../../emulator/cli-args.js";
import { startEmulator, type Emulator } from "../../emulator/index.js";
import { Code, VirtufinError } from "../../runtime/errors.js";
import { installNetworkJail, type NetworkJail } from "./network-jail.js";

const WORKER_JS = "function Process(event) { return null; }\n";
const MAX_BYTES = 64 * 1024;
const FETCH_TIMEOUT_MS = 800;

/** Every connection attempt this process makes (address:port), from the diagnostics channel. */
const attempts: string[] = [];
const onSocket = (message: unknown) => {
  const socket = (message as { socket: Socket }).socket;
  socket.on("connectionAttempt", (ip: string, port: number) => attempts.push(`${ip}:${port}`));
};
const isLoopback = (attempt: string) => /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+):\d+$/.test(attempt);

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}
const portOf = (server: Server) => (server.address() as AddressInfo).port;

let code: Server;
let victim: Server;
let victimConnections = 0;
let emulator: Emulator;
let strict: Emulator;
let client: WorkManagerClient;
let strictClient: WorkManagerClient;
const openResponses = new Set<ServerResponse>();

let jail: NetworkJail;
beforeAll(async () => {
  jail = installNetworkJail();
  dc.subscribe("net.client.socket", onSocket);
  victim = await listen((_req, res) => res.end(WORKER_JS));
  victim.on("connection", () => victimConnections++);
  code = await listen((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    switch (url.pathname) {
      case "/ok.js":
        return res.end(WORKER_JS);
      case "/redirect":
        res.statusCode = Number(url.searchParams.get("status") ?? 302);
        res.setHeader("location", url.searchParams.get("to") ?? "/");
        return res.end();
      case "/big":
        res.setHeader("content-length", MAX_BYTES + 1);
        return res.end("x".repeat(MAX_BYTES + 1));
      case "/big-chunked": {
        // No Content-Length: the cap must hold while streaming. Bounded: 64 chunks of 4 KiB.
        let sent = 0;
        const write = () => {
          if (sent++ >= 64 || res.destroyed) return res.end();
          res.write("y".repeat(4096), () => setImmediate(write));
        };
        return write();
      }
      case "/slow": {
        // Headers at once, then one byte every 100 ms for up to 10 s: only the time limit ends it.
        res.writeHead(200, { "content-type": "text/javascript" });
        openResponses.add(res);
        let n = 0;
        const timer = setInterval(() => (n++ > 100 || res.destroyed ? (clearInterval(timer), res.end()) : res.write(" ")), 100);
        res.on("close", () => clearInterval(timer));
        return;
      }
      case "/hang":
        // Never answers (until the test ends).
        openResponses.add(res);
        return;
      default:
        res.statusCode = 404;
        return res.end();
    }
  });
  const codeHost = `127.0.0.1:${portOf(code)}`;
  emulator = await startEmulator({
    ports: 0,
    logLevel: "silent",
    // Any host name may be asked for, so only the private-address guard stands in the way; the
    // code server (and only it, by host and port) is allowed to be loopback.
    workmanager: {
      allowedCodeHosts: ["*"],
      allowPrivateCodeHosts: [codeHost],
      maxCodeBytes: MAX_BYTES,
      codeFetchTimeoutMs: FETCH_TIMEOUT_MS,
    },
  });
  strict = await startEmulator({ ports: 0, logLevel: "silent", workmanager: { allowedCodeHosts: ["*"] } });
  client = new WorkManagerClient({ host: "127.0.0.1", port: emulator.addresses.workmanager.port, retry: false });
  strictClient = new WorkManagerClient({ host: "127.0.0.1", port: strict.addresses.workmanager.port, retry: false });
});

afterAll(async () => {
  dc.unsubscribe("net.client.socket", onSocket);
  for (const res of openResponses) res.destroy();
  await client?.close();
  await strictClient?.close();
  await emulator?.stop();
  await strict?.stop();
  code?.closeAllConnections();
  await new Promise((resolve) => code?.close(resolve));
  await new Promise((resolve) => victim?.close(resolve));
  jail?.uninstall();
});

const codeUrl = (path: string) => `http://127.0.0.1:${portOf(code)}${path}`;
const victimPort = () => portOf(victim);
const redirect = (to: string, status = 302) => codeUrl(`/redirect?status=${status}&to=${encodeURIComponent(to)}`);

/** The outcome of one way in: CreateWorker with a URL, or LoadCodeFromUrl on an existing worker. */
type Way = (wm: WorkManagerClient, url: string) => Promise<unknown>;
const workers = new Map<WorkManagerClient, Promise<string>>();
const WAYS: Record<string, Way> = {
  CreateWorker: async (wm, url) => {
    const id = await wm.createWorker({
      mimeType: "text/javascript",
      topic: "security-code",
      codeSource: { source: { case: "url", value: url } },
    });
    await wm.deleteWorker(id);
  },
  // One worker per emulator, made from inline code, whose code every call tries to replace.
  LoadCodeFromUrl: async (wm, url) => {
    if (!workers.has(wm)) {
      workers.set(
        wm,
        wm.createWorker({
          mimeType: "text/javascript",
          topic: "security-code",
          codeSource: { source: { case: "content", value: new TextEncoder().encode(WORKER_JS) } },
        }),
      );
    }
    return wm.loadCodeFromUrl(await workers.get(wm)!, url);
  },
};

async function refusal(promise: Promise<unknown>): Promise<VirtufinError> {
  const outcome = await promise.then(
    (value) => ({ resolved: value }),
    (error: unknown) => error,
  );
  expect(outcome, "expected a refusal").toBeInstanceOf(VirtufinError);
  return outcome as VirtufinError;
}

/** Counts for the README table. */
const tally = { refused: 0, fetched: 0, capped: 0, timedOut: 0 };

describe.each(Object.entries(WAYS))("%s with a URL", (_name, way) => {
  it("fetches from the one loopback host allowed by configuration (and through a redirect to it)", async () => {
    await way(client, codeUrl("/ok.js"));
    await way(client, redirect(codeUrl("/ok.js"), 301));
    await way(client, redirect(redirect(codeUrl("/ok.js"), 307), 308));
    tally.fetched += 3;
  });

  const literals = [
    "http://10.0.0.1/w.js",
    "http://10.255.255.254/w.js",
    "http://172.16.0.1/w.js",
    "http://172.31.255.255/w.js",
    "http://192.168.0.1/w.js",
    "http://192.168.255.255/w.js",
    "http://127.0.0.2/w.js",
    "http://127.255.255.254/w.js",
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.0.1/w.js",
    "http://[::1]/w.js",
    "http://[fe80::1]/w.js",
    "http://[febf:ffff::1]/w.js",
    "http://[fc00::1]/w.js",
    "http://[fd12:3456::1]/w.js",
    "http://[::ffff:127.0.0.1]/w.js",
    "http://[::ffff:169.254.169.254]/w.js",
    "http://[::ffff:10.0.0.1]/w.js",
    "http://0x7f.0.0.1/w.js",
    "http://2130706433/w.js",
    "http://0177.0.0.1/w.js",
    "http://0.0.0.0/w.js",
    "http://[::]/w.js",
    "http://[::127.0.0.1]/w.js",
    "http://100.100.100.200/w.js",
    "https://10.1.2.3/w.js",
  ];
  it(`refuses ${literals.length} private, loopback, link-local, unique-local and metadata IP literals`, async () => {
    for (const url of literals) {
      const error = await refusal(way(client, url));
      expect([url, Code[error.code], error.rawMessage]).toEqual([
        url,
        "InvalidArgument",
        expect.stringMatching(/private address/),
      ]);
      tally.refused++;
    }
  });

  it("refuses the loopback victim's own address and port, though it shares the allowed host's address", async () => {
    const error = await refusal(way(client, `http://127.0.0.1:${victimPort()}/w.js`));
    expect([Code[error.code], error.rawMessage]).toEqual([
      "InvalidArgument",
      expect.stringMatching(/private address 127\.0\.0\.1/),
    ]);
    tally.refused++;
  });

  it("checks names after DNS resolution: localhost resolves to loopback and is refused by its address", async () => {
    const error = await refusal(way(client, `http://localhost:${victimPort()}/w.js`));
    // The message names the RESOLVED address, which only a post-resolution check can know.
    expect([Code[error.code], error.rawMessage]).toEqual([
      "InvalidArgument",
      expect.stringMatching(/localhost.*resolves to the private address (127\.0\.0\.1|::1)/),
    ]);
    tally.refused++;
  });

  const names = [
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://metadata.google.internal./computeMetadata/v1/",
    "http://metadata/latest",
    "http://metadata.goog/",
    "http://instance-data/latest/meta-data/",
    "http://instance-data.ec2.internal/",
    "http://db.internal/w.js",
    "http://printer.local/w.js",
    "http://code.localhost:1/w.js",
    "http://router.home.arpa/w.js",
    "http://intranet/w.js",
  ];
  it(`refuses ${names.length} metadata and internal names by name, before any DNS query`, async () => {
    for (const url of names) {
      const error = await refusal(way(client, url));
      expect([url, Code[error.code], error.rawMessage]).toEqual([url, "InvalidArgument", expect.stringMatching(/private host/)]);
      tally.refused++;
    }
  });

  const hops = () => [
    `http://127.0.0.1:${victimPort()}/w.js`,
    `http://localhost:${victimPort()}/w.js`,
    `http://[::1]:${victimPort()}/w.js`,
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://10.0.0.1/w.js",
    "http://192.168.1.1/w.js",
    "http://[fd00::1]/w.js",
    "http://metadata.google.internal/computeMetadata/v1/",
  ];
  it("refuses every redirect from the allowed host to a private target, at the first hop and after two", async () => {
    for (const target of hops()) {
      for (const url of [redirect(target), redirect(redirect(redirect(target, 303), 307))]) {
        const error = await refusal(way(client, url));
        expect([target, Code[error.code], error.rawMessage]).toEqual([
          target,
          "InvalidArgument",
          expect.stringMatching(/private (address|host)/),
        ]);
        tally.refused++;
      }
    }
  });

  it("refuses redirects to other schemes and redirect loops", async () => {
    for (const target of [
      "file:///etc/passwd",
      "ftp://127.0.0.1/w.js",
      "gopher://127.0.0.1:6379/_INFO",
      "data:text/javascript,1",
    ]) {
      const error = await refusal(way(client, redirect(target)));
      expect([target, Code[error.code]]).toEqual([target, "InvalidArgument"]);
      tally.refused++;
    }
    let loop = codeUrl("/ok.js");
    for (let i = 0; i < 7; i++) loop = redirect(loop);
    const error = await refusal(way(client, loop));
    expect([Code[error.code], error.rawMessage]).toEqual(["FailedPrecondition", expect.stringMatching(/more than 5 redirects/)]);
    tally.refused++;
  });

  it("caps the size: a declared and a streamed body above the limit fail", async () => {
    for (const path of ["/big", "/big-chunked"]) {
      const error = await refusal(way(client, codeUrl(path)));
      expect([path, Code[error.code], error.rawMessage]).toEqual([
        path,
        "FailedPrecondition",
        expect.stringMatching(/limit of 65536/),
      ]);
      tally.capped++;
    }
  });

  it("limits the time: a server that never answers and one that trickles forever fail promptly", async () => {
    for (const path of ["/hang", "/slow", "/redirect?to=%2Fslow"]) {
      const started = Date.now();
      const error = await refusal(way(client, codeUrl(path)));
      const elapsed = Date.now() - started;
      expect([path, Code[error.code], error.rawMessage]).toEqual([
        path,
        "FailedPrecondition",
        expect.stringMatching(/timed out after 800 ms/),
      ]);
      expect(elapsed).toBeGreaterThanOrEqual(FETCH_TIMEOUT_MS - 50);
      expect(elapsed).toBeLessThan(FETCH_TIMEOUT_MS + 3_000);
      tally.timedOut++;
    }
  });

  it("with no private host configured, refuses even the loopback code server (and localhost)", async () => {
    for (const url of [codeUrl("/ok.js"), `http://localhost:${portOf(code)}/ok.js`]) {
      const error = await refusal(way(strictClient, url));
      expect([url, Code[error.code], error.rawMessage]).toEqual([
        url,
        "InvalidArgument",
        expect.stringMatching(/private address/),
      ]);
      tally.refused++;
    }
  });
});

describe("configuration", () => {
  it("the CLI's --allow-private-code-host lists the hosts that may be private, next to --allow-code-host", () => {
    const parsed = parseCli(
      ["--allow-code-host", "*", "--allow-private-code-host", "127.0.0.1:8080", "--allow-private-code-host", "localhost"],
      {},
    );
    expect(parsed.help ? undefined : parsed.options.workmanager).toEqual({
      allowedCodeHosts: ["*"],
      allowPrivateCodeHosts: ["127.0.0.1:8080", "localhost"],
    });
    expect(() => parseCli(["--allow-private-code-host", " "], {})).toThrow(/must not be empty/);
  });
});

describe("nothing was contacted", () => {
  it("the network jail works: non-loopback connects (plain and through an HTTP agent) are diverted before connecting", async () => {
    // 0.0.0.0 is not loopback for the jail, yet would reach this machine only, should it fail.
    const { connect } = await import("node:net");
    const { get } = await import("node:http");
    const plain = await new Promise<Error>((resolve) => connect(victimPort(), "0.0.0.0").once("error", resolve));
    const viaAgent = await new Promise<Error>((resolve) => get(`http://0.0.0.0:${victimPort()}/w.js`).once("error", resolve));
    for (const error of [plain, viaAgent]) expect(error.message).toMatch(/ECONNREFUSED 127\.0\.0\.1:1$/);
    expect(jail.violations).toEqual([`0.0.0.0:${victimPort()}`, `0.0.0.0:${victimPort()}`]);
    jail.violations.length = 0;
  });

  it("the victim server saw no connection, and every connection attempt of this process went to loopback", () => {
    expect(jail.violations).toEqual([]);
    // The code fetcher's own connections went through the jail.
    expect(jail.targets.filter((t) => t === `127.0.0.1:${portOf(code)}`).length).toBeGreaterThanOrEqual(20);
    expect(victimConnections).toBe(0);
    expect(attempts.length).toBeGreaterThan(0);
    expect(attempts.filter((a) => !isLoopback(a))).toEqual([]);
    expect(attempts.filter((a) => a.endsWith(`:${victimPort()}`))).toEqual([]);
    console.log(
      `code URLs: ${tally.refused} refused, ${tally.fetched} fetched from the allowed host, ${tally.capped} capped, ${tally.timedOut} timed out; ${attempts.length} connection attempts, all loopback, none to the victim`,
    );
  });
});
