// Issue 13, part 3: WebSocketManager.Connect refuses private, loopback, link-local, unique-local
// and metadata targets — IP literals and internal names before connecting, names after DNS
// resolution, and every redirect hop — unless configuration allows that host. By default only
// loopback named literally (localhost, 127.0.0.1, ::1) is allowed, while the emulator itself
// listens on loopback.
//
// Only loopback traffic: a feed server and a "victim" server listen on 127.0.0.1. Made-up names
// are resolved by a stub the test injects through the guard's own resolver option, so no DNS
// query is made (the stub refuses any name not in its table rather than asking the system). The
// in-process network jail lets those names through only with that lookup and checks every
// address it answers; any other non-loopback connect is diverted before resolution. Connection
// attempts are recorded with Node's `net.client.socket` diagnostics channel.
import dc from "node:diagnostics_channel";
import type { LookupAddress } from "node:dns";
import { createServer, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { parseCli } from "../../emulator/cli-args.js";
import { startEmulator, type Emulator } from "../../emulator/index.js";
import { WebSocketManagerClient } from "../../generated/virtufin/websocketmanager_client.js";
import { Code, VirtufinError } from "../../runtime/errors.js";
import { installNetworkJail, type NetworkJail } from "./network-jail.js";

/** The stub resolver's table: made-up names and what they "resolve" to. */
const TABLE: Readonly<Record<string, readonly string[]>> = {
  localhost: ["127.0.0.1"],
  "feed.example.test": ["127.0.0.1"],
  "rebind.example.test": ["127.0.0.1"],
  "metadata-alias.example.test": ["169.254.169.254"],
  "lan.example.test": ["10.1.2.3"],
  "ula.example.test": ["fd00::1"],
  // One public and one private address: the private one is enough to refuse.
  "mixed.example.test": ["93.184.216.34", "192.168.1.10"],
};
const asked: string[] = [];
const stubResolve = async (hostname: string): Promise<readonly LookupAddress[]> => {
  asked.push(hostname);
  const addresses = TABLE[hostname.toLowerCase()];
  if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname} (stub)`), { code: "ENOTFOUND" });
  return addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
};

const attempts: string[] = [];
const onSocket = (message: unknown) => {
  (message as { socket: Socket }).socket.on("connectionAttempt", (ip: string, port: number) => attempts.push(`${ip}:${port}`));
};
const isLoopback = (attempt: string) => /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+):\d+$/.test(attempt);

let jail: NetworkJail;
let feed: Server;
let victim: Server;
let victimConnections = 0;
let defaults: Emulator;
let named: Emulator;
let strict: Emulator;
const clients: WebSocketManagerClient[] = [];
const wss = new WebSocketServer({ noServer: true });

const portOf = (server: Server) => (server.address() as AddressInfo).port;
const feedUrl = (path = "/feed", host = "127.0.0.1") => `ws://${host}:${portOf(feed)}${path}`;
const redirect = (to: string, status = 302) => feedUrl(`/redirect?status=${status}&to=${encodeURIComponent(to)}`);
const client = (emulator: Emulator) => {
  const wsm = new WebSocketManagerClient({ host: "127.0.0.1", port: emulator.addresses.websocketmanager.port, retry: false });
  clients.push(wsm);
  return wsm;
};

beforeAll(async () => {
  jail = installNetworkJail({ stubbedNames: Object.keys(TABLE).filter((name) => name !== "localhost") });
  dc.subscribe("net.client.socket", onSocket);
  victim = createServer((_req, res) => res.end("victim"));
  victim.on("connection", () => victimConnections++);
  feed = createServer((_req, res) => res.writeHead(426).end());
  feed.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (url.pathname === "/redirect") {
      socket.end(
        `HTTP/1.1 ${url.searchParams.get("status") ?? "302"} Redirect\r\nLocation: ${url.searchParams.get("to") ?? "/"}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
      );
      return;
    }
    if (url.pathname !== "/feed")
      return void socket.end("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    wss.handleUpgrade(req, socket, head, (ws) => ws.on("error", () => undefined));
  });
  await Promise.all([feed, victim].map((server) => new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))));
  const base = { ports: 0, logLevel: "silent" } as const;
  defaults = await startEmulator({ ...base, websocketmanager: { resolve: stubResolve } });
  named = await startEmulator({
    ...base,
    websocketmanager: {
      resolve: stubResolve,
      allowedHosts: ["127.0.0.1", "*.example.test"],
      allowPrivateHosts: [`127.0.0.1:${portOf(feed)}`, "feed.example.test"],
    },
  });
  strict = await startEmulator({ ...base, websocketmanager: { resolve: stubResolve, allowPrivateHosts: [] } });
});

afterAll(async () => {
  dc.unsubscribe("net.client.socket", onSocket);
  for (const wsm of clients) await wsm.close();
  for (const emulator of [defaults, named, strict]) await emulator?.stop();
  for (const ws of wss.clients) ws.terminate();
  wss.close();
  feed?.closeAllConnections();
  await Promise.all([feed, victim].map((server) => new Promise((resolve) => server?.close(resolve))));
  jail?.uninstall();
});

async function refusal(promise: Promise<unknown>): Promise<VirtufinError> {
  const outcome = await promise.then(
    (value) => ({ resolved: value }),
    (error: unknown) => error,
  );
  expect(outcome, "expected a refusal").toBeInstanceOf(VirtufinError);
  return outcome as VirtufinError;
}

const tally = { refused: 0, connected: 0 };

/** Connects, expects success, disconnects. */
async function connects(emulator: Emulator, url: string): Promise<void> {
  const wsm = client(emulator);
  const { id, status } = await wsm.connect(url, false);
  expect([url, status]).toEqual([url, "connected"]);
  await wsm.disconnect(id);
  tally.connected++;
}

/** Expects Connect to refuse `url` with INVALID_ARGUMENT matching `message`, with and without auto_reconnect, leaving nothing listed. */
async function refuses(emulator: Emulator, url: string, message: RegExp): Promise<void> {
  const wsm = client(emulator);
  for (const autoReconnect of [false, true]) {
    const error = await refusal(wsm.connect(url, autoReconnect));
    expect([url, autoReconnect, Code[error.code], error.rawMessage]).toEqual([
      url,
      autoReconnect,
      "InvalidArgument",
      expect.stringMatching(message),
    ]);
    tally.refused++;
  }
  expect(await wsm.list({})).toEqual([]);
}

describe("default policy (emulator on loopback)", () => {
  it("connects to loopback named literally: 127.0.0.1 and localhost (resolved, through the stub)", async () => {
    await connects(defaults, feedUrl());
    await connects(defaults, feedUrl("/feed", "localhost"));
    expect(asked).toContain("localhost");
  });

  const literals = [
    "ws://10.0.0.1/",
    "ws://172.16.0.1/",
    "ws://192.168.1.1/",
    "ws://169.254.169.254/latest/meta-data/",
    "ws://169.254.0.1/",
    "ws://100.64.0.1/",
    "ws://0.0.0.0/",
    "ws://[fe80::1]/",
    "ws://[fd00::1]/",
    "ws://[fc00::1]/",
    "ws://[::ffff:10.0.0.1]/",
    "ws://[::ffff:169.254.169.254]/",
    "ws://127.0.0.2/",
    "ws://0x7f.0.0.2/",
    "wss://10.1.2.3/",
    "ws://[::]/",
  ];
  it(`refuses ${literals.length} private, link-local, unique-local, metadata and other loopback IP literals before connecting`, async () => {
    for (const url of literals) await refuses(defaults, url, /private address/);
  });

  const names = [
    "ws://metadata.google.internal/computeMetadata/v1/",
    "ws://metadata/",
    "ws://db.internal/",
    "ws://printer.local/",
    "ws://intranet/",
    "ws://feed.localhost/",
  ];
  it(`refuses ${names.length} metadata and internal names by name, without resolving them`, async () => {
    const before = asked.length;
    for (const url of names) await refuses(defaults, url, /private host/);
    expect(asked.slice(before)).toEqual([]);
  });

  it("checks names after DNS: made-up names resolving to loopback, metadata, private or mixed addresses are refused", async () => {
    const cases: [string, string][] = [
      ["rebind.example.test", "127.0.0.1"],
      ["metadata-alias.example.test", "169.254.169.254"],
      ["lan.example.test", "10.1.2.3"],
      ["ula.example.test", "fd00::1"],
      ["mixed.example.test", "192.168.1.10"],
    ];
    for (const [name, address] of cases) {
      await refuses(
        defaults,
        `ws://${name}:${portOf(victim)}/`,
        new RegExp(`${name.replace(/\./g, "\\.")}.*resolves to the private address ${address.replace(/\./g, "\\.")}`),
      );
    }
    expect(asked).toEqual(
      expect.arrayContaining(["rebind.example.test", "metadata-alias.example.test", "lan.example.test", "mixed.example.test"]),
    );
  });

  it("follows redirects to allowed targets, and refuses every redirect hop to a private one", async () => {
    await connects(defaults, redirect(feedUrl(), 301));
    await connects(defaults, redirect(redirect(feedUrl(), 307), 308));
    const targets = [
      "ws://10.0.0.1/",
      "ws://169.254.169.254/latest/",
      "ws://[fd00::1]/",
      "ws://metadata.google.internal/",
      `ws://rebind.example.test:${portOf(victim)}/`,
      "http://192.168.1.1/",
      `ws://127.0.0.3:${portOf(victim)}/`,
    ];
    for (const target of targets) {
      await refuses(defaults, redirect(target), /private (address|host)/);
      await refuses(defaults, redirect(redirect(redirect(target, 303), 307)), /private (address|host)/);
    }
    await refuses(defaults, redirect("file:///etc/passwd"), /redirects to a file URL/);
    await refuses(defaults, redirect("gopher://127.0.0.1:6379/_INFO"), /redirects to a gopher URL/);
  });

  it("an ordinary handshake failure (HTTP 404) is still UNAVAILABLE, and retried with auto_reconnect", async () => {
    const wsm = client(defaults);
    const error = await refusal(wsm.connect(feedUrl("/missing"), false));
    expect([Code[error.code], error.rawMessage]).toEqual([
      "Unavailable",
      expect.stringMatching(/Unexpected server response: 404/),
    ]);
    const { id, status } = await wsm.connect(feedUrl("/missing"), true);
    expect(status).toBe("reconnecting");
    await wsm.disconnect(id);
    expect(await wsm.list({})).toEqual([]);
  });

  it("gives up after 5 redirects (an ordinary connection failure, UNAVAILABLE)", async () => {
    let loop = feedUrl();
    for (let i = 0; i < 7; i++) loop = redirect(loop);
    const error = await refusal(client(defaults).connect(loop, false));
    expect([Code[error.code], error.rawMessage]).toEqual(["Unavailable", expect.stringMatching(/more than 5 redirects/)]);
  });
});

describe("configured policies", () => {
  it("allowedHosts: hosts off the list are refused by name, before any DNS query", async () => {
    const before = asked.length;
    await refuses(named, "ws://elsewhere.example.org/", /host "elsewhere\.example\.org" is not allowed/);
    await refuses(named, "ws://localhost/", /not allowed/);
    expect(asked.slice(before)).toEqual([]);
  });

  it("allowPrivateHosts by name and by host:port: only those hops may be private", async () => {
    await connects(named, feedUrl());
    await connects(named, feedUrl("/feed", "feed.example.test")); // the stub's answer, 127.0.0.1, is what is connected to
    await refuses(named, `ws://127.0.0.1:${portOf(victim)}/`, /private address 127\.0\.0\.1/);
    await refuses(named, `ws://rebind.example.test:${portOf(victim)}/`, /resolves to the private address 127\.0\.0\.1/);
    // The allowed feed cannot redirect to another private target.
    await refuses(named, redirect(`ws://127.0.0.1:${portOf(victim)}/`), /private address/);
    await refuses(named, redirect(`ws://rebind.example.test:${portOf(victim)}/`), /private address/);
  });

  it("allowPrivateHosts: [] (the default when the emulator listens beyond loopback) refuses loopback too", async () => {
    await refuses(strict, feedUrl(), /private address 127\.0\.0\.1/);
    await refuses(strict, feedUrl("/feed", "localhost"), /localhost.*resolves to the private address 127\.0\.0\.1/);
  });

  it("the CLI's --allow-websocket-host and --allow-private-websocket-host", () => {
    const parsed = parseCli(
      [
        "--allow-websocket-host",
        "*.feeds.example",
        "--allow-private-websocket-host",
        "127.0.0.1:9000",
        "--allow-private-websocket-host",
        "localhost",
      ],
      {},
    );
    expect(parsed.help ? undefined : parsed.options.websocketmanager).toEqual({
      allowedHosts: ["*.feeds.example"],
      allowPrivateHosts: ["127.0.0.1:9000", "localhost"],
    });
    expect(() => parseCli(["--allow-private-websocket-host", " "], {})).toThrow(/must not be empty/);
  });
});

describe("nothing else was contacted", () => {
  it("no jail violation, the victim saw no connection, every connection attempt went to loopback", () => {
    expect(jail.violations).toEqual([]);
    expect(victimConnections).toBe(0);
    expect(attempts.length).toBeGreaterThan(0);
    expect(attempts.filter((a) => !isLoopback(a))).toEqual([]);
    expect(attempts.filter((a) => a.endsWith(`:${portOf(victim)}`))).toEqual([]);
    expect(jail.targets).toContain(`feed.example.test:${portOf(feed)}`);
    console.log(
      `websocket targets: ${tally.refused} refused, ${tally.connected} connected; ${attempts.length} connection attempts, all loopback; the stub resolver answered ${asked.length} look-ups`,
    );
  });
});
