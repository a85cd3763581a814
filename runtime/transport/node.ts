/**
 * The Node transport module: Connect's Node transports, gRPC over HTTP/2 by default, with TLS
 * and mutual TLS. Reached only through the `#transport` import's `node` condition.
 */
import { setMaxListeners } from "node:events";
import { inspect } from "node:util";
import {
  createConnectTransport,
  createGrpcTransport,
  createGrpcWebTransport,
  Http2SessionManager,
} from "@connectrpc/connect-node";
import { inspectAsStack, recognizeUnavailable } from "../errors.js";
import { createNodeGrpcTransport } from "./node-grpc-transport.js";
import { unavailableInNode } from "./node-failures.js";
import type { OpenedTransport, Protocol, TransportRequest } from "./types.js";

/** Telemetry is built into Node (no bundle to keep small): the `telemetry` option just works. */
export { telemetrySupport as builtinTelemetry } from "../telemetry/support.js";

// Node's HTTP/2 and TLS failures that mean UNAVAILABLE, recognised wherever errors are converted.
recognizeUnavailable(unavailableInNode);
// util.inspect and console.log show our errors by their stack, which names the class.
inspectAsStack(inspect.custom);

/** Node speaks gRPC over HTTP/2, as the platform's own clients do. */
export const defaultProtocol: Protocol = "grpc";

/**
 * Opens a Node transport: gRPC over the SDK's own HTTP/2 transport (about half the CPU per call
 * of connect-node's, with flow control on server streams; see bench/runtime), unless
 * `nodeTransport` or the environment variable VIRTUFIN_NODE_TRANSPORT asks for connect-node's;
 * Connect and gRPC-Web over connect-node. `release` closes the HTTP/2 session.
 */
export function openTransport(request: TransportRequest): OpenedTransport {
  const { baseUrl, protocol, tls, interceptors } = request;
  const nodeOptions = tls ? { ca: toPem(tls.ca), cert: toPem(tls.cert), key: toPem(tls.key), servername: tls.servername } : {};
  if (protocol === "grpc-web") {
    return {
      transport: createGrpcWebTransport({ baseUrl, httpVersion: "1.1", nodeOptions, interceptors }),
      release: undefined,
    };
  }
  if (protocol === "grpc" && (request.nodeTransport ?? process.env["VIRTUFIN_NODE_TRANSPORT"] ?? "http2") === "http2") {
    const transport = createNodeGrpcTransport({ baseUrl, nodeOptions, interceptors });
    return { transport, release: () => transport.close() };
  }
  const sessionManager = new Http2SessionManager(baseUrl, {}, nodeOptions);
  const make = protocol === "connect" ? createConnectTransport : createGrpcTransport;
  return {
    transport: make({ baseUrl, httpVersion: "2", sessionManager, interceptors }),
    release: () => sessionManager.abort(),
  };
}

/**
 * Calls without a signal of their own share one connection signal; Node warns past 10
 * listeners on one signal, which here is by design, not a leak.
 */
export function allowManyListeners(signal: AbortSignal): void {
  setMaxListeners(0, signal);
}

function toPem(value: string | Uint8Array | undefined): string | Buffer | undefined {
  return value === undefined ? undefined : typeof value === "string" ? value : Buffer.from(value);
}
