/**
 * The Gateway's services configuration: which backends exist and where they listen.
 *
 * The file (YAML or JSON) takes either a map or a list:
 *
 * ```yaml
 * services:
 *   pricing: { host: 127.0.0.1, port: 6000 }
 * # or
 * services:
 *   - name: pricing
 *     grpc: { host: 127.0.0.1, port: 6000 }
 * ```
 */
import { readFile } from "node:fs/promises";
import type { SecureClientSessionOptions } from "node:http2";
import { parse as parseYaml } from "yaml";

/** One backend the Gateway can reach. */
export interface BackendConfig {
  /** The backend name used in Invoke/InvokeJson/ListMethods (e.g. "workmanager"). */
  readonly name: string;
  /** The host of its gRPC server. */
  readonly host: string;
  /** The port of its gRPC server. */
  readonly port: number;
  /** Dial it over TLS with these HTTP/2 client options (the emulator's own TLS servers); plaintext when absent. */
  readonly tls?: SecureClientSessionOptions;
}

/** A backend's address without its name, as given to `startEmulator({ services })`. */
export interface BackendAddress {
  /** The host (default 127.0.0.1). */
  readonly host?: string;
  /** The port. */
  readonly port: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** Validates one backend entry and fills defaults; throws an Error naming the problem. */
export function backendConfig(name: string, address: unknown, where: string): BackendConfig {
  if (!NAME.test(name)) throw new Error(`${where}: invalid service name "${name}" (letters, digits, "_", "-", "." only)`);
  if (typeof address !== "object" || address === null) throw new Error(`${where}: service "${name}" needs { host, port }`);
  const record = address as Record<string, unknown>;
  const grpc = (typeof record["grpc"] === "object" && record["grpc"] !== null ? record["grpc"] : record) as Record<
    string,
    unknown
  >;
  const host = grpc["host"] ?? "127.0.0.1";
  const port = typeof grpc["port"] === "string" ? Number(grpc["port"]) : grpc["port"];
  if (typeof host !== "string" || host === "") throw new Error(`${where}: service "${name}" has an invalid host`);
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${where}: service "${name}" needs a port between 1 and 65535`);
  }
  return { name, host, port };
}

/** Parses the text of a services file (YAML, which includes JSON). */
export function parseServicesConfig(text: string, where = "services config"): BackendConfig[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new Error(`${where}: not valid YAML/JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (doc === null || doc === undefined) return [];
  const services = typeof doc === "object" && !Array.isArray(doc) && "services" in doc ? doc.services : doc;
  if (Array.isArray(services)) {
    return services.map((entry, i) => {
      const name = typeof entry === "object" && entry !== null ? (entry as { name?: unknown }).name : undefined;
      if (typeof name !== "string") throw new Error(`${where}: entry ${i} needs a "name"`);
      return backendConfig(name, entry, where);
    });
  }
  if (typeof services === "object" && services !== null) {
    return Object.entries(services).map(([name, address]) => backendConfig(name, address, where));
  }
  throw new Error(`${where}: expected "services" to be a map or a list`);
}

/** Reads and parses a services file. */
export async function loadServicesConfig(path: string): Promise<BackendConfig[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new Error(`cannot read services config ${path}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return parseServicesConfig(text, path);
}
