/**
 * The SSRF guard of every outbound connection the emulator makes on a caller's behalf (code URLs
 * of the WorkManager, WebSockets of the WebSocketManager): which hosts may be named, and which
 * resolved addresses may be connected to. Addresses are checked AFTER DNS resolution (and again
 * for every redirect hop, by the caller), so a public name pointing at 127.0.0.1 or the cloud
 * metadata address is refused as well. Resolution is injectable, so that tests can resolve
 * made-up names without a DNS query leaving the machine.
 */
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP, type LookupFunction } from "node:net";

// Private, loopback, link-local (which holds the 169.254.169.254 metadata address), CGNAT,
// multicast and reserved ranges. net.BlockList matches IPv4-mapped IPv6 forms as well.
const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  BLOCKED.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  // ::/96 holds the unspecified address, ::1 and the deprecated IPv4-compatible forms (::7f00:1).
  ["::", 96],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
  ["2001:db8::", 32],
  ["64:ff9b::", 96],
] as const) {
  BLOCKED.addSubnet(net, prefix, "ipv6");
}

/** True when an IP address is private, loopback, link-local, metadata or otherwise not public. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return BLOCKED.check(address, "ipv4");
  if (family === 6) {
    // An IPv4-mapped address (::ffff:a.b.c.d) is judged by its IPv4 part.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped?.[1]) return BLOCKED.check(mapped[1], "ipv4");
    return BLOCKED.check(address, "ipv6");
  }
  return true;
}

// Names that only mean something inside a private network or a cloud instance: refused by name,
// before any DNS query leaves the machine (metadata.google.internal resolves to 169.254.169.254
// only inside GCP; elsewhere the query itself would leak to the resolver).
const PRIVATE_NAMES = new Set([
  "metadata",
  "metadata.goog",
  "metadata.google.internal",
  "instance-data",
  "instance-data.ec2.internal",
]);
const PRIVATE_SUFFIXES = [".localhost", ".local", ".internal", ".intranet", ".lan", ".home.arpa", ".corp"];

/**
 * True when a host NAME is private by definition, whatever it resolves to: cloud metadata names,
 * names under `.internal`, `.local`, `.localhost` (RFC 6761), `.home.arpa` and the like, and
 * single-label names (intranet hosts). `localhost` itself is left to resolution (the hosts file
 * maps it to loopback, which the address check then refuses). IP literals are not names: false.
 */
export function isPrivateName(host: string): boolean {
  const name = host
    .toLowerCase()
    .replace(/^\[|\]$/g, "")
    .replace(/\.+$/, "");
  if (isIP(name) !== 0 || name === "localhost") return false;
  if (PRIVATE_NAMES.has(name) || !name.includes(".")) return true;
  return PRIVATE_SUFFIXES.some((suffix) => name.endsWith(suffix));
}

/**
 * True when `host` matches the allow-list: an exact name (case-insensitive), `*.domain` for any
 * subdomain of domain, or `*` for any host.
 */
export function isAllowedHost(host: string, allowed: readonly string[]): boolean {
  const name = host.toLowerCase().replace(/^\[|\]$/g, "");
  return allowed.some((entry) => {
    const pattern = entry
      .trim()
      .toLowerCase()
      .replace(/^\[|\]$/g, "");
    if (pattern === "*") return true;
    if (pattern.startsWith("*.")) return name.endsWith(pattern.slice(1)) && name.length > pattern.length - 1;
    return pattern === name;
  });
}

/** Resolves a host name to its addresses (all of them), as `dns.lookup` with `all: true` does. */
export type Resolver = (hostname: string, family: 0 | 4 | 6) => Promise<readonly LookupAddress[]>;

/** The system resolver (`dns.lookup`: hosts file, then DNS). */
export const systemResolver: Resolver = (hostname, family) =>
  new Promise((resolve, reject) =>
    dnsLookup(hostname, { all: true, family }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );

/** What a guard allows: the hosts that may be named, and those that may be private. */
export interface AddressPolicy {
  /** The host allow-list (see {@link isAllowedHost}). */
  readonly allowedHosts: readonly string[];
  /**
   * Where private addresses are allowed: `true` everywhere, or the hosts (`name` or `name:port`,
   * as written in the URL) that may be private. Every redirect hop is judged on its own, so an
   * allowed host cannot redirect to another private one.
   */
  readonly allowPrivate: boolean | readonly string[];
  /** How names are resolved (default {@link systemResolver}). */
  readonly resolve?: Resolver;
}

/** Why a URL's host is refused before any connection or DNS query. */
export type HostRefusal =
  | { readonly reason: "not-allowed"; readonly host: string }
  | { readonly reason: "private-address"; readonly host: string; readonly address: string }
  | { readonly reason: "private-name"; readonly host: string };

/**
 * Judges a URL's host before anything is sent: not on the allow-list, a private IP literal, or a
 * private name (refused by name, so that no DNS query for an internal name leaves the machine).
 * Undefined when the host may be tried; its resolved addresses are then judged by
 * {@link guardedLookup}.
 */
export function hostRefusal(url: URL, policy: AddressPolicy): HostRefusal | undefined {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (!isAllowedHost(host, policy.allowedHosts)) return { reason: "not-allowed", host };
  if (privateAllowed(url, policy.allowPrivate)) return undefined;
  if (isIP(host) !== 0 && isPrivateAddress(host)) return { reason: "private-address", host, address: host };
  if (isPrivateName(host)) return { reason: "private-name", host };
  return undefined;
}

/** True when `url`'s host (`name` or `name:port`) may resolve to private addresses. */
export function privateAllowed(url: URL, allow: boolean | readonly string[]): boolean {
  if (typeof allow === "boolean") return allow;
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, "");
  const secure = url.protocol === "https:" || url.protocol === "wss:";
  const port = url.port || (secure ? "443" : "80");
  return allow.some((entry) => {
    const e = entry.trim().toLowerCase();
    // "::1" and "[::1]" both name the IPv6 loopback; "[::1]:8080" with a port.
    return e.replace(/^\[|\]$/g, "") === host || e === `${url.hostname.toLowerCase()}:${port}`;
  });
}

/** The error of a name that resolved to a private address; `address` is the first such one. */
export class PrivateAddressError extends Error {
  /** @param address the private address the name resolved to */
  constructor(readonly address: string) {
    super(`resolves to the private address ${address}`);
    this.name = "PrivateAddressError";
  }
}

/**
 * A `lookup` for `net.connect` (and everything built on it: http, https, ws) that refuses names
 * resolving to any private address with a {@link PrivateAddressError}, unless `allowPrivate`.
 * The vetted addresses are the ones connected to, so DNS cannot change between check and use.
 */
export function guardedLookup(allowPrivate: boolean, resolve: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    const family = options.family === 4 || options.family === 6 ? options.family : 0;
    resolve(hostname, family).then(
      (addresses) => {
        const bad = addresses.find((entry) => isPrivateAddress(entry.address));
        if (!allowPrivate && bad) return callback(new PrivateAddressError(bad.address), "", 0);
        const first = addresses[0];
        if (!first) return callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), "", 0);
        if (options.all) return (callback as unknown as (e: null, a: readonly LookupAddress[]) => void)(null, addresses);
        return callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, "", 0),
    );
  };
}
