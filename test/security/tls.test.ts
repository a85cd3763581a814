// Item 11: the emulator serves TLS on every server (HTTP/2 with ALPN h2 for gRPC and Connect,
// HTTPS for the gRPC-Web server), with a test PKI made by `openssl`. A client trusting the test
// CA succeeds; system trust, a rogue CA, a wrong server name or plaintext fail; with mutual TLS
// a client with a certificate from the client CA succeeds and one without (or with a rogue
// certificate) fails. The Gateway still reaches the emulator's own WorkManager over TLS (and
// mTLS). The CLI takes --tls-cert/--tls-key/--tls-client-ca.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StateClient } from "../../generated/virtufin/state_client.js";
import { WebSocketManagerClient } from "../../generated/virtufin/websocketmanager_client.js";
import { WorkManagerClient } from "../../generated/virtufin/workmanager_client.js";
import { parseCli } from "../../emulator/cli-args.js";
import { startEmulator, type Emulator } from "../../emulator/index.js";
import { ApiClient } from "../../platform/api-client.js";
import { type ConnectionOptions, type TlsOptions } from "../../runtime/connection.js";
import { Code, VirtufinError } from "../../runtime/errors.js";
import { makeTestPki, type TestPki } from "./certs.js";
import { installNetworkJail, type NetworkJail } from "./network-jail.js";
import { leaks } from "./secrets.js";
import { freePort } from "../support/free-ports.js";

let pki: TestPki;
let tlsEmulator: Emulator;
let mtlsEmulator: Emulator;

// Loopback only, enforced: any other connect of this process would be diverted and recorded.
const jail: NetworkJail = installNetworkJail();
beforeAll(async () => {
  pki = makeTestPki();
  tlsEmulator = await startEmulator({ ports: 0, logLevel: "silent", tls: { cert: pki.server.cert, key: pki.server.key } });
  mtlsEmulator = await startEmulator({
    ports: 0,
    logLevel: "silent",
    tls: { cert: pki.server.cert, key: pki.server.key, ca: pki.clientCa, requireClientCert: true },
  });
});

afterAll(() => {
  jail.uninstall();
  expect(jail.violations).toEqual([]);
});
afterAll(async () => {
  await tlsEmulator?.stop();
  await mtlsEmulator?.stop();
  pki?.remove();
});

const tally = { succeeded: 0, refused: 0 };
/** How a certificate the client does not trust fails (Connect reports TLS errors as INTERNAL). */
const CERT_FAILURE = /^Unavailable: .*(self.signed|unable to (get|verify)|certificate)/i;
/** How a call without an accepted client certificate fails under mutual TLS. */
const NO_CLIENT_CERT = /^Unauthenticated: a client certificate issued by the server's client CA is required$/;

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** Writes PEM texts to files in a temp dir (removed after the tests); returns their paths. */
function pemFiles(texts: { cert: string; key: string; ca: string }): { cert: string; key: string; ca: string } {
  const dir = mkdtempSync(join(tmpdir(), "virtufin-tls-cli-"));
  tempDirs.push(dir);
  const paths = { cert: join(dir, "cert.pem"), key: join(dir, "key.pem"), ca: join(dir, "ca.pem") };
  for (const name of ["cert", "key", "ca"] as const) writeFileSync(paths[name], texts[name]);
  return paths;
}

/** A state round trip over `options`; resolves to "OK" or the failure's code name and message. */
async function roundTrip(options: ConnectionOptions): Promise<string> {
  await using state = new StateClient({ retry: false, timeoutMs: 5_000, ...options });
  try {
    await state.saveState("tls", "k", "v");
    expect((await state.getState("tls", "k")).value).toBe("v");
    tally.succeeded++;
    return "OK";
  } catch (error) {
    expect(error).toBeInstanceOf(VirtufinError);
    tally.refused++;
    return `${Code[(error as VirtufinError).code]}: ${(error as VirtufinError).rawMessage}`;
  }
}

describe("TLS (server certificate only)", () => {
  it("serves https:// addresses on every server", () => {
    for (const address of Object.values(tlsEmulator.addresses)) expect(address.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it("a client trusting the test CA succeeds over gRPC, Connect and gRPC-Web, by IP and by name", async () => {
    const tls: TlsOptions = { ca: pki.serverCa };
    const { gateway, grpcWeb } = tlsEmulator.addresses;
    for (const host of ["127.0.0.1", "localhost"]) {
      expect(await roundTrip({ host, port: gateway.port, tls })).toBe("OK");
      expect(await roundTrip({ host, port: gateway.port, tls, protocol: "connect" })).toBe("OK");
      expect(await roundTrip({ host, port: grpcWeb.port, tls, protocol: "grpc-web" })).toBe("OK");
    }
    expect(await roundTrip({ baseUrl: gateway.url, tls })).toBe("OK");
  });

  it("the WorkManager serves TLS too, and the Gateway reaches it over TLS", async () => {
    await using wm = new WorkManagerClient({
      host: "localhost",
      port: tlsEmulator.addresses.workmanager.port,
      tls: { ca: pki.serverCa },
      retry: false,
    });
    expect(await wm.listWorkers()).toEqual([]);
    await using api = new ApiClient({
      host: "localhost",
      port: tlsEmulator.addresses.gateway.port,
      tls: { ca: pki.serverCa },
      retry: false,
    });
    expect(await api.invoke("workmanager", "ListWorkers", {})).toEqual({});
    expect(await api.invoke("websocketmanager", "List", {})).toEqual({});
    expect(await api.health()).toBe("SERVING");
    tally.succeeded += 4;
  });

  it("fails without the CA (system trust), with a rogue CA, with a wrong server name, and in plaintext", async () => {
    const { gateway, grpcWeb, workmanager } = tlsEmulator.addresses;
    for (const port of [gateway.port, workmanager.port]) {
      expect(await roundTrip({ host: "localhost", port, tls: true })).toMatch(CERT_FAILURE);
      expect(await roundTrip({ host: "localhost", port, tls: { ca: pki.rogueCa } })).toMatch(CERT_FAILURE);
      expect(await roundTrip({ host: "localhost", port, tls: { ca: pki.serverCa, servername: "wrong.example" } })).toMatch(
        /^Unavailable: .*wrong\.example/i,
      );
      // Plaintext against TLS: the client's HTTP/2 preface is not a TLS handshake.
      expect(await roundTrip({ host: "127.0.0.1", port })).not.toBe("OK");
    }
    expect(await roundTrip({ host: "localhost", port: grpcWeb.port, protocol: "grpc-web", tls: true })).toMatch(CERT_FAILURE);
    expect(
      await roundTrip({
        host: "localhost",
        port: grpcWeb.port,
        protocol: "grpc-web",
        tls: { ca: pki.serverCa, servername: "wrong.example" },
      }),
    ).toMatch(/^Unavailable: .*wrong\.example/i);
    expect(await roundTrip({ host: "127.0.0.1", port: grpcWeb.port, protocol: "grpc-web" })).not.toBe("OK");
  });

  it("a rogue server certificate for the right name is refused by a client trusting the test CA", async () => {
    const rogue = await startEmulator({ ports: 0, logLevel: "silent", tls: pki.rogueServer });
    try {
      expect(await roundTrip({ host: "localhost", port: rogue.addresses.gateway.port, tls: { ca: pki.serverCa } })).toMatch(
        CERT_FAILURE,
      );
      expect(await roundTrip({ host: "localhost", port: rogue.addresses.gateway.port, tls: { ca: pki.rogueCa } })).toBe("OK");
    } finally {
      await rogue.stop();
    }
  });
});

describe("mutual TLS (client certificate required)", () => {
  const withCert = (): TlsOptions => ({ ca: pki.serverCa, cert: pki.client.cert, key: pki.client.key });

  it("a client with a certificate from the client CA succeeds on every server, and the Gateway reaches the WorkManager", async () => {
    const { gateway, grpcWeb, workmanager } = mtlsEmulator.addresses;
    expect(await roundTrip({ host: "localhost", port: gateway.port, tls: withCert() })).toBe("OK");
    expect(await roundTrip({ host: "localhost", port: gateway.port, tls: withCert(), protocol: "connect" })).toBe("OK");
    expect(await roundTrip({ host: "localhost", port: grpcWeb.port, tls: withCert(), protocol: "grpc-web" })).toBe("OK");
    await using wm = new WorkManagerClient({ host: "localhost", port: workmanager.port, tls: withCert(), retry: false });
    expect(await wm.listWorkers()).toEqual([]);
    await using api = new ApiClient({ host: "localhost", port: gateway.port, tls: withCert(), retry: false });
    expect(await api.invoke("workmanager", "ListWorkers", {})).toEqual({});
    tally.succeeded += 2;
    // The client's private key is a secret too: not in inspect/JSON of the clients holding it.
    const keyLines = pki.client.key.split("\n").filter((line) => line !== "" && !line.startsWith("-----"));
    expect(leaks(api, keyLines)).toEqual([]);
    expect(leaks(wm, keyLines)).toEqual([]);
  });

  it("fails without a client certificate, with a rogue one, and with the server's CA but no key", async () => {
    const { gateway, grpcWeb, workmanager, websocketmanager } = mtlsEmulator.addresses;
    expect(await roundTrip({ host: "localhost", port: gateway.port, tls: { ca: pki.serverCa } })).toMatch(NO_CLIENT_CERT);
    expect(
      await roundTrip({
        host: "localhost",
        port: gateway.port,
        tls: { ca: pki.serverCa, cert: pki.rogueClient.cert, key: pki.rogueClient.key },
      }),
    ).toMatch(NO_CLIENT_CERT);
    expect(await roundTrip({ host: "localhost", port: gateway.port, tls: { ca: pki.serverCa }, protocol: "connect" })).toMatch(
      NO_CLIENT_CERT,
    );
    for (const tls of [{ ca: pki.serverCa }, { ca: pki.serverCa, cert: pki.rogueClient.cert, key: pki.rogueClient.key }]) {
      await using wm = new WorkManagerClient({ host: "localhost", port: workmanager.port, tls, retry: false });
      await using wsm = new WebSocketManagerClient({ host: "localhost", port: websocketmanager.port, tls, retry: false });
      // One call at a time: a second call made up front would reject unhandled while the first is awaited.
      for (const call of [() => wm.listWorkers(), () => wsm.list({})]) {
        const error = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(`${Code[(error as VirtufinError).code]}: ${(error as VirtufinError).rawMessage}`).toMatch(NO_CLIENT_CERT);
        tally.refused++;
      }
    }
    expect(await roundTrip({ host: "localhost", port: grpcWeb.port, protocol: "grpc-web", tls: { ca: pki.serverCa } })).toMatch(
      NO_CLIENT_CERT,
    );
    expect(
      await roundTrip({
        host: "localhost",
        port: grpcWeb.port,
        protocol: "grpc-web",
        tls: { ca: pki.serverCa, cert: pki.rogueClient.cert, key: pki.rogueClient.key },
      }),
    ).toMatch(NO_CLIENT_CERT);
    // Health too: mutual TLS guards the connection, not a list of methods.
    await using api = new ApiClient({ host: "localhost", port: gateway.port, tls: { ca: pki.serverCa }, retry: false });
    await expect(api.health()).rejects.toMatchObject({ code: Code.Unauthenticated });
    // The server's own certificate is accepted (the Gateway's internal calls use it), but only
    // from whoever holds its key: the certificate alone, with another key, cannot complete the handshake.
    expect(
      await roundTrip({
        host: "localhost",
        port: gateway.port,
        tls: { ca: pki.serverCa, cert: pki.server.cert, key: pki.rogueClient.key },
      }),
    ).not.toBe("OK");
  });

  it("a client without a certificate cannot make the server read more than the 4 MiB cap", async () => {
    await using state = new StateClient({
      host: "localhost",
      port: mtlsEmulator.addresses.gateway.port,
      tls: { ca: pki.serverCa },
      retry: false,
    });
    const error = await state.saveState("tls", "big", "x".repeat(5 * 1024 * 1024)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(Code[(error as VirtufinError).code]).toBe("ResourceExhausted");
    tally.refused++;
  });

  it("refuses requireClientCert without a client CA at start-up", async () => {
    await expect(
      startEmulator({ ports: 0, logLevel: "silent", tls: { ...pki.server, requireClientCert: true } }),
    ).rejects.toThrow(/requireClientCert needs tls\.ca/);
  });
});

describe("the CLI", () => {
  it("parses --tls-cert, --tls-key and --tls-client-ca into TLS options, and rejects incomplete or unreadable ones", () => {
    const files = pemFiles({ cert: pki.server.cert, key: pki.server.key, ca: pki.clientCa });
    const parsed = parseCli(["--tls-cert", files.cert, "--tls-key", files.key, "--tls-client-ca", files.ca], {});
    expect(parsed.help).toBe(false);
    const tls = parsed.help ? undefined : parsed.options.tls;
    expect(tls).toEqual({ cert: pki.server.cert, key: pki.server.key, ca: pki.clientCa, requireClientCert: true });
    expect(() => parseCli(["--tls-cert", files.cert], {})).toThrow(/go together/);
    expect(() => parseCli(["--tls-client-ca", files.ca], {})).toThrow(/needs --tls-cert/);
    expect(() => parseCli(["--tls-cert", files.cert, "--tls-key", "/nonexistent/key.pem"], {})).toThrow(/cannot read/);
    // A key file given as the certificate is refused by name, and the key never shows in the message.
    let message = "";
    try {
      parseCli(["--tls-cert", "/proc/self/status", "--tls-key", files.key], {});
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/not a PEM file/);
    expect(message).not.toContain(pki.server.key.split("\n")[1]);
  });

  it("serves TLS from the command line: the client with the CA gets an answer", async () => {
    const { cert, key } = pemFiles({ cert: pki.server.cert, key: pki.server.key, ca: pki.clientCa });
    const port = await freePort();
    const cli = new URL("../../emulator/cli.ts", import.meta.url).pathname;
    const child = execFile(
      process.execPath,
      [
        "--import",
        "tsx",
        cli,
        "--gateway-port",
        String(port),
        "--grpc-web-port",
        "0",
        "--workmanager-port",
        "0",
        "--websocketmanager-port",
        "0",
        "--dapr-port",
        "0",
        "--tls-cert",
        cert,
        "--tls-key",
        key,
        "--log-level",
        "warn",
      ],
      { timeout: 30_000 },
    );
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const deadline = Date.now() + 20_000;
      while (!stderr.includes("ready") && Date.now() < deadline && child.exitCode === null)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(stderr).toContain("ready");
      expect(await roundTrip({ host: "localhost", port, tls: { ca: pki.serverCa } })).toBe("OK");
      expect(await roundTrip({ host: "localhost", port, tls: true })).toMatch(CERT_FAILURE);
    } finally {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    console.log(`tls: ${tally.succeeded} calls succeeded, ${tally.refused} refused`);
  });
});
