/**
 * A loopback-only network jail for a test file's process (vitest runs each file in its own
 * fork): every TCP connect of the process — plain, HTTP/2, TLS, made by the test or by the
 * in-process emulator — passes `net.Socket.prototype.connect`, which is wrapped to refuse any
 * target that is not loopback BEFORE name resolution or connection. So even if the code under
 * test regressed, the test would record a violation instead of sending a packet (or a DNS
 * query) anywhere else.
 */
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

/** The host and port a `Socket#connect` call asks for (its argument forms, normalized or not). */
function targetOf(args: unknown[]): { host: string; port: string } | undefined {
  let first = args[0];
  // net.connect passes its already-normalized [options, callback] array.
  if (Array.isArray(first)) first = first[0];
  if (typeof first === "object" && first !== null) {
    const options = first as { host?: string; port?: number | string; path?: string };
    if (options.path !== undefined) return undefined; // a Unix socket: local by nature
    return { host: options.host ?? "localhost", port: String(options.port) };
  }
  if (typeof first === "number" || (typeof first === "string" && /^\d+$/.test(first))) {
    return { host: typeof args[1] === "string" ? args[1] : "localhost", port: String(first) };
  }
  return undefined; // a path
}

/** Installs the jail; call `uninstall()` when the file's tests are done. */
export function installNetworkJail(): NetworkJail {
  const real = net.Socket.prototype.connect;
  const targets: string[] = [];
  const violations: string[] = [];
  net.Socket.prototype.connect = function jailedConnect(this: net.Socket, ...args: unknown[]) {
    const target = targetOf(args);
    if (target) {
      const host = target.host.replace(/^\[|\]$/g, "");
      targets.push(`${host}:${target.port}`);
      if (!LOOPBACK.test(host)) {
        violations.push(`${host}:${target.port}`);
        process.nextTick(() => this.destroy(new Error(`network jail: refused a connection to ${host}:${target.port} (not loopback)`)));
        return this;
      }
    }
    return (real as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof real;
  return {
    targets,
    violations,
    uninstall: () => {
      net.Socket.prototype.connect = real;
    },
  };
}
