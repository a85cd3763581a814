/**
 * A loopback-only network jail for a test file's process (vitest runs each file in its own
 * fork): every TCP connect of the process — plain, HTTP/2, TLS, made by the test or by the
 * in-process emulator — passes `net.Socket.prototype.connect`, which is wrapped to divert any
 * target that is not loopback, BEFORE name resolution, to 127.0.0.1:1 (where nothing listens,
 * so the caller sees an ordinary ECONNREFUSED). So even if the code under test regressed, the
 * test would record a violation instead of sending a packet (or a DNS query) anywhere else.
 *
 * Names made up by a test (`stubbedNames`) are let through only when the connect brings its own
 * `lookup` (the code under test resolving through a stub the test injected, so no DNS query is
 * made); every address that lookup answers is then checked, and a non-loopback one is a
 * violation, replaced by 127.0.0.1:1 before anything connects to it.
 */
import type { LookupAddress } from "node:dns";
import net from "node:net";

/** What the jail saw. */
export interface NetworkJail {
  /** Every connect target, `host:port` as asked (before resolution). */
  readonly targets: string[];
  /** Targets refused because they are not loopback. */
  readonly violations: string[];
  /** Restores the real connect. */
  uninstall(): void;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/i;

/** Where diverted connections go: loopback, a port nothing listens on. */
const DIVERTED = { host: "127.0.0.1", port: 1 };

/**
 * The host and port a `Socket#connect` call asks for (its argument forms, normalized or not),
 * and the same arguments aimed at {@link DIVERTED} instead.
 */
function targetOf(args: unknown[]): { host: string; port: string; diverted: unknown[] } | undefined {
  const first = args[0];
  // net.connect passes its already-normalized [options, callback] array (marked with a symbol,
  // which a copy made with the spread below keeps, being an own property).
  const normalized = Array.isArray(first);
  const head: unknown = normalized ? first[0] : first;
  if (typeof head === "object" && head !== null) {
    const options = head as { host?: string; port?: number | string; path?: string };
    // A Unix socket (local by nature), by Node's own rule: HTTP agents pass `path: null`.
    if (options.path) return undefined;
    const divertedOptions = { ...options, ...DIVERTED };
    const diverted = normalized
      ? Object.assign([...(first as unknown[])], { 0: divertedOptions }, symbolsOf(first))
      : [divertedOptions, ...args.slice(1)];
    return { host: options.host ?? "localhost", port: String(options.port), diverted };
  }
  if (typeof head === "number" || (typeof head === "string" && /^\d+$/.test(head))) {
    const rest = typeof args[1] === "string" ? args.slice(2) : args.slice(1);
    return {
      host: typeof args[1] === "string" ? args[1] : "localhost",
      port: String(head),
      diverted: [DIVERTED.port, DIVERTED.host, ...rest],
    };
  }
  return undefined; // a path
}

/** The symbol-keyed own properties of an object, to copy them onto another. */
function symbolsOf(value: object): Record<symbol, unknown> {
  const out: Record<symbol, unknown> = {};
  for (const key of Object.getOwnPropertySymbols(value)) out[key] = (value as Record<symbol, unknown>)[key];
  return out;
}

/** Options of {@link installNetworkJail}. */
export interface NetworkJailOptions {
  /** Made-up host names the test resolves itself, through a stub resolver it injected. */
  readonly stubbedNames?: readonly string[];
}

type LookupCallback = (err: Error | null, address: string | LookupAddress[], family?: number) => void;
type Lookup = (hostname: string, options: { all?: boolean }, callback: LookupCallback) => void;

/** `args` with the connect options' lookup wrapped so that only loopback answers get through. */
function checkedLookupArgs(args: unknown[], port: string, violations: string[]): unknown[] | undefined {
  const first = args[0];
  const normalized = Array.isArray(first);
  const options = (normalized ? first[0] : first) as { lookup?: Lookup };
  const lookup = options.lookup;
  if (typeof lookup !== "function") return undefined;
  const checked: Lookup = (hostname, lookupOptions, callback) =>
    lookup(hostname, lookupOptions, (err, address, family) => {
      if (err) return callback(err, address, family);
      const list = Array.isArray(address) ? address : [{ address, family: family ?? 4 }];
      const bad = list.find((entry) => !LOOPBACK.test(entry.address));
      if (!bad) return callback(null, address, family);
      violations.push(`${hostname}=${bad.address}:${port}`);
      return Array.isArray(address) ? callback(null, [{ address: DIVERTED.host, family: 4 }]) : callback(null, DIVERTED.host, 4);
    });
  const replaced = { ...options, lookup: checked };
  return normalized ? Object.assign([...(first as unknown[])], { 0: replaced }, symbolsOf(first)) : [replaced, ...args.slice(1)];
}

/** Installs the jail; call `uninstall()` when the file's tests are done. */
export function installNetworkJail(jailOptions: NetworkJailOptions = {}): NetworkJail {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with .apply(this), on each socket
  const real = net.Socket.prototype.connect;
  const targets: string[] = [];
  const violations: string[] = [];
  const stubbed = new Set((jailOptions.stubbedNames ?? []).map((name) => name.toLowerCase()));
  net.Socket.prototype.connect = function jailedConnect(this: net.Socket, ...args: unknown[]) {
    const target = targetOf(args);
    if (target) {
      const host = target.host.replace(/^\[|\]$/g, "");
      targets.push(`${host}:${target.port}`);
      const checked = stubbed.has(host.toLowerCase()) ? checkedLookupArgs(args, target.port, violations) : undefined;
      if (checked) return (real as (...a: unknown[]) => net.Socket).apply(this, checked);
      if (!LOOPBACK.test(host)) {
        violations.push(`${host}:${target.port}`);
        return (real as (...a: unknown[]) => net.Socket).apply(this, target.diverted);
      }
    }
    return (real as (...a: unknown[]) => net.Socket).apply(this, args);
  };
  return {
    targets,
    violations,
    uninstall: () => {
      net.Socket.prototype.connect = real;
    },
  };
}
