/**
 * The SSRF guard for code URLs: which hosts may be named, and which resolved addresses may be
 * connected to. Addresses are checked AFTER DNS resolution (and again for every redirect), so a
 * public name pointing at 127.0.0.1 or the cloud metadata address is refused as well.
 */
import { BlockList, isIP } from "node:net";

// Private, loopback, link-local (which holds the 169.254.169.254 metadata address), CGNAT,
// multicast and reserved ranges. net.BlockList matches IPv4-mapped IPv6 forms as well.
const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16],
  ["172.16.0.0", 12], ["192.0.0.0", 24], ["192.0.2.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15],
  ["198.51.100.0", 24], ["203.0.113.0", 24], ["224.0.0.0", 4], ["240.0.0.0", 4],
] as const) {
  BLOCKED.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  // ::/96 holds the unspecified address, ::1 and the deprecated IPv4-compatible forms (::7f00:1).
  ["::", 96], ["::1", 128], ["fc00::", 7], ["fe80::", 10], ["ff00::", 8], ["2001:db8::", 32], ["64:ff9b::", 96],
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
const PRIVATE_NAMES = new Set(["metadata", "metadata.goog", "metadata.google.internal", "instance-data", "instance-data.ec2.internal"]);
const PRIVATE_SUFFIXES = [".localhost", ".local", ".internal", ".intranet", ".lan", ".home.arpa", ".corp"];

/**
 * True when a host NAME is private by definition, whatever it resolves to: cloud metadata names,
 * names under `.internal`, `.local`, `.localhost` (RFC 6761), `.home.arpa` and the like, and
 * single-label names (intranet hosts). `localhost` itself is left to resolution (the hosts file
 * maps it to loopback, which the address check then refuses). IP literals are not names: false.
 */
export function isPrivateName(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[|\]$/g, "").replace(/\.+$/, "");
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
    const pattern = entry.trim().toLowerCase().replace(/^\[|\]$/g, "");
    if (pattern === "*") return true;
    if (pattern.startsWith("*.")) return name.endsWith(pattern.slice(1)) && name.length > pattern.length - 1;
    return pattern === name;
  });
}
