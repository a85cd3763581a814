/**
 * Shared helpers of the emulator tests: the pricing fixture backend (a service only the tests
 * know, compiled with buf at test time), clients, and bounded waiting.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  create,
  createFileRegistry,
  fromBinary,
  type DescMessage,
  type DescService,
  type FileRegistry,
} from "@bufbuild/protobuf";
import { FileDescriptorSetSchema, timestampNow } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { startGrpcServer, type RunningServer } from "../../emulator/server/index.js";
import type { Emulator } from "../../emulator/index.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

/** Compiles test/emulator/fixtures with buf and returns a registry of its files. */
export function compileFixtures(): FileRegistry {
  const dir = mkdtempSync(join(tmpdir(), "virtufin-fixtures-"));
  try {
    const out = join(dir, "fixtures.binpb");
    execFileSync(join(root, "node_modules/.bin/buf"), ["build", ".", "--as-file-descriptor-set", "-o", out], {
      cwd: join(root, "test/emulator/fixtures"),
      stdio: ["ignore", "ignore", "pipe"],
      timeout: 60_000,
    });
    return createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(out)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The pricing service descriptor and its messages. */
export interface Pricing {
  readonly registry: FileRegistry;
  readonly service: DescService;
  readonly request: DescMessage;
  readonly response: DescMessage;
}

/** Loads the pricing fixture. */
export function loadPricing(): Pricing {
  const registry = compileFixtures();
  const service = registry.getService("acme.pricing.v1.PricingService");
  const request = registry.getMessage("acme.pricing.v1.GetQuoteRequest");
  const response = registry.getMessage("acme.pricing.v1.GetQuoteResponse");
  if (!service || !request || !response) throw new Error("pricing fixture did not compile as expected");
  return { registry, service, request, response };
}

/** Headers the pricing backend reports back in `seen_headers`. */
export const ECHOED_HEADERS = [
  "correlationid",
  "traceparent",
  "x-api-key",
  "x-custom",
  "te",
  "connection",
  "content-type",
  "user-agent",
];

/**
 * Starts the pricing backend with reflection (through the emulator's own server helper).
 * GetQuote prices 2.5 per unit, answers NOT_FOUND for instrument "MISSING", and echoes headers.
 */
export function startPricingBackend(
  pricing: Pricing,
  port = 0,
  extra?: { apiKeys?: Record<string, string> },
): Promise<RunningServer> {
  const impl = {
    getQuote(req: Record<string, unknown>, ctx: { requestHeader: Headers }) {
      if (req["instrumentId"] === "MISSING") throw new ConnectError("no such instrument", Code.NotFound);
      const seen: Record<string, string> = {};
      for (const name of ECHOED_HEADERS) {
        const value = ctx.requestHeader.get(name);
        if (value !== null) seen[name] = value;
      }
      return create(pricing.response, {
        instrumentId: req["instrumentId"] as string,
        totalPrice: 2.5 * (req["quantity"] as number),
        asOf: timestampNow(),
        seenHeaders: seen,
        tier: 1,
      });
    },
  };
  return startGrpcServer({
    services: [{ desc: pricing.service, impl }],
    port,
    ...(extra?.apiKeys ? { apiKeys: extra.apiKeys } : {}),
  });
}

/** A Connect gRPC client for a service at a URL. */
export function grpcClient<S extends DescService>(service: S, url: string): Client<S> {
  return createClient(service, createGrpcTransport({ baseUrl: url }));
}

/** Waits until `check` is true, polling every 10 ms for at most `timeoutMs`. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Waits until the emulator has `count` open event streams. */
export function waitForStreams(emulator: Emulator, count: number): Promise<void> {
  return waitFor(() => emulator.activeStreams() >= count, `${count} open event stream(s)`);
}

/** Waits until the streams of earlier tests are gone on the server side (call in beforeEach). */
export function quiesce(emulator: Emulator): Promise<void> {
  return waitFor(() => emulator.activeStreams() === 0, "earlier streams to close");
}

/**
 * Reads a server stream in the background into an array, until `limit` items or abort. Returns
 * the array, a promise of the end (resolved with the error, if any) and the abort controller.
 */
export function collect<T>(open: (signal: AbortSignal) => AsyncIterable<T>, limit = 1_000) {
  const items: T[] = [];
  const abort = new AbortController();
  const done = (async (): Promise<unknown> => {
    try {
      for await (const item of open(abort.signal)) {
        items.push(item);
        if (items.length >= limit) break;
      }
      return undefined;
    } catch (err) {
      return err;
    }
  })();
  return { items, done, abort };
}

/** Decodes event data as JSON. */
export function dataJson(data: Uint8Array): unknown {
  return JSON.parse(new TextDecoder().decode(data));
}
