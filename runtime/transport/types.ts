/**
 * What a platform transport module provides. Two implement it: `node.ts` (gRPC over HTTP/2,
 * Node's HTTP stack) and `web.ts` (fetch). Which one a program gets is decided by the package's
 * `#transport` import conditions (`node` vs `browser`/`default`), never by what a bundler happens
 * to follow, so browser bundles cannot reach Node's stack.
 */
import type { Interceptor, Transport } from "@connectrpc/connect";

/** The wire protocol a connection speaks. */
export type Protocol = "grpc" | "grpc-web" | "connect";

/** TLS settings for a connection (Node only; browsers use the page's trust store). */
export interface TlsOptions {
  /** Trusted CA certificates (PEM); the system store is used when omitted. */
  ca?: string | Uint8Array;
  /** Client certificate (PEM), for mutual TLS. */
  cert?: string | Uint8Array;
  /** Client private key (PEM), for mutual TLS. */
  key?: string | Uint8Array;
  /** The server name to verify, when it differs from `host`. */
  servername?: string;
}

/** What a connection asks of its transport module. */
export interface TransportRequest {
  /** The endpoint's base URL. */
  baseUrl: string;
  /** The wire protocol. */
  protocol: Protocol;
  /** TLS settings, when given as an object. */
  tls: TlsOptions | undefined;
  /** Interceptors, outermost first. */
  interceptors: Interceptor[];
  /** Node's gRPC client: the SDK's own (default) or connect-node's; ignored elsewhere. */
  nodeTransport?: "connect-node" | "http2";
}

/** A transport and how to release what it holds open (an HTTP/2 session). */
export interface OpenedTransport {
  /** The Connect transport. */
  transport: Transport;
  /** Releases the transport's sessions; undefined when it holds none. */
  release: (() => void) | undefined;
}
