/**
 * A throwaway PKI made with the `openssl` command in a temp dir: a server CA with a certificate
 * for localhost/127.0.0.1, a client CA with a client certificate, and a rogue CA with a server
 * and a client certificate of its own. No `openssl` is a test failure with an install hint.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A certificate and its key (PEM). */
export interface KeyPair {
  readonly cert: string;
  readonly key: string;
}

/** Everything the TLS tests need. */
export interface TestPki {
  /** The CA that issued `server`. */
  readonly serverCa: string;
  /** Certificate for DNS:localhost and IP:127.0.0.1, issued by `serverCa`. */
  readonly server: KeyPair;
  /** The CA that issued `client`. */
  readonly clientCa: string;
  /** A client certificate issued by `clientCa`. */
  readonly client: KeyPair;
  /** A CA nobody trusts. */
  readonly rogueCa: string;
  /** A localhost server certificate and a client certificate, both issued by `rogueCa`. */
  readonly rogueServer: KeyPair;
  /** A client certificate issued by `rogueCa`. */
  readonly rogueClient: KeyPair;
  /** Removes the temp dir. */
  remove(): void;
}

/** Fails (never skips) when `openssl` cannot run, saying how to install it. */
export function requireOpenssl(): void {
  const probe = spawnSync("openssl", ["version"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `the TLS tests need the openssl command (${probe.error?.message ?? probe.stderr}); install it: sudo apt-get install openssl`,
    );
  }
}

/** Makes the PKI (EC P-256 keys, valid for one day). */
export function makeTestPki(): TestPki {
  requireOpenssl();
  const dir = mkdtempSync(join(tmpdir(), "virtufin-pki-"));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) =>
    execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"], timeout: 20_000 });
  const key = (name: string) =>
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", file(`${name}.key`));
  const ca = (name: string) => {
    key(name);
    openssl(
      "req",
      "-x509",
      "-new",
      "-key",
      file(`${name}.key`),
      "-days",
      "1",
      "-subj",
      `/CN=${name}`,
      "-out",
      file(`${name}.crt`),
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    );
  };
  const issue = (name: string, issuer: string, extensions: string) => {
    key(name);
    openssl("req", "-new", "-key", file(`${name}.key`), "-subj", `/CN=${name}`, "-out", file(`${name}.csr`));
    writeFileSync(file(`${name}.ext`), extensions);
    openssl(
      "x509",
      "-req",
      "-in",
      file(`${name}.csr`),
      "-CA",
      file(`${issuer}.crt`),
      "-CAkey",
      file(`${issuer}.key`),
      "-CAcreateserial",
      "-days",
      "1",
      "-extfile",
      file(`${name}.ext`),
      "-out",
      file(`${name}.crt`),
    );
  };
  const serverExt =
    "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n";
  const clientExt = "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n";
  ca("server-ca");
  ca("client-ca");
  ca("rogue-ca");
  issue("server", "server-ca", serverExt);
  issue("client", "client-ca", clientExt);
  issue("rogue-server", "rogue-ca", serverExt);
  issue("rogue-client", "rogue-ca", clientExt);
  const read = (name: string) => readFileSync(file(name), "utf8");
  const pair = (name: string): KeyPair => ({ cert: read(`${name}.crt`), key: read(`${name}.key`) });
  return {
    serverCa: read("server-ca.crt"),
    server: pair("server"),
    clientCa: read("client-ca.crt"),
    client: pair("client"),
    rogueCa: read("rogue-ca.crt"),
    rogueServer: pair("rogue-server"),
    rogueClient: pair("rogue-client"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
