/**
 * The browser transport module (and the default for any runtime that is not Node): Connect's
 * fetch-based transports, gRPC-Web by default. The Connect protocol's transport is registered by
 * `enableConnectProtocol()` (connect-protocol.ts) rather than imported here, so that pages that do
 * not use it do not carry it (about 2.3 KB gzipped, bench/bundle/).
 */
import { createGrpcWebTransport, type GrpcWebTransportOptions } from "@connectrpc/connect-web";
import { Code, type Transport } from "@connectrpc/connect";
import { VirtufinError } from "../errors.js";
import type { TelemetrySupport } from "../telemetry/support.js";
import type { OpenedTransport, Protocol, TransportRequest } from "./types.js";

/** gRPC over HTTP/2 needs trailers that fetch cannot read, so browsers default to gRPC-Web. */
export const defaultProtocol: Protocol = "grpc-web";

/** Opens a fetch transport. Plain gRPC is refused: browsers cannot speak it. */
export function openTransport(request: TransportRequest): OpenedTransport {
  const { baseUrl, protocol, interceptors } = request;
  if (protocol === "grpc") {
    throw new VirtufinError(
      'protocol "grpc" needs HTTP/2 trailers, which fetch cannot read: use "grpc-web" or "connect" in a browser',
      Code.InvalidArgument,
    );
  }
  const make = protocol === "connect" ? connectTransport : createGrpcWebTransport;
  if (!make) {
    throw new VirtufinError(
      // Why (its transport stays out of pages that do not ask): README, "Use it in a browser".
      'protocol "connect" in a browser needs enableConnectProtocol() from @virtufin/sdk, called once first',
      Code.InvalidArgument,
    );
  }
  return { transport: make({ baseUrl, interceptors, fetch: explainedFetch(baseUrl) }), release: undefined };
}

/** The options both fetch transports take (the Connect one takes more, all optional). */
type FetchTransportFactory = (options: GrpcWebTransportOptions) => Transport;

let connectTransport: FetchTransportFactory | undefined;

/** Registers the Connect protocol's fetch transport (called by `enableConnectProtocol()`). */
export function registerConnectTransport(factory: FetchTransportFactory): void {
  connectTransport = factory;
}

/**
 * No telemetry built in: a page that wants it calls `enableTelemetry()`, so that pages that do
 * not carry none of its code (nor `@opentelemetry/api`).
 */
export const builtinTelemetry: TelemetrySupport | undefined = undefined;

/** Browsers do not warn about many listeners on one signal: nothing to do. */
export function allowManyListeners(_signal: AbortSignal): void {}

/**
 * fetch, with its bare `TypeError: Failed to fetch` turned into an error that says what may have
 * happened. A browser rejects that way both when the network fails and when the server's CORS
 * answer does not allow the page's origin, and hides which (it tells only its console).
 */
function explainedFetch(baseUrl: string): typeof fetch {
  return (input, init) =>
    globalThis.fetch(input, init).catch((error: unknown) => {
      if (!(error instanceof TypeError)) throw error;
      const origin = (globalThis as { location?: { origin?: string } }).location?.origin;
      throw new VirtufinError(
        `no response from ${baseUrl}: the server is unreachable, or its CORS policy does not allow ` +
          `${origin ? `this page's origin (${origin})` : "this origin"} (${error.message})`,
        Code.Unavailable,
        undefined,
        undefined,
        error,
      );
    });
}
