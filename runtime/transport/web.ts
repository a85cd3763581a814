/**
 * The browser transport module (and the default for any runtime that is not Node): Connect's
 * fetch-based transports, gRPC-Web by default.
 */
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { Code } from "@connectrpc/connect";
import { VirtufinError } from "../errors.js";
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
  const make = protocol === "connect" ? createConnectTransport : createGrpcWebTransport;
  return { transport: make({ baseUrl, interceptors }), release: undefined };
}

/** Browsers do not warn about many listeners on one signal: nothing to do. */
export function allowManyListeners(_signal: AbortSignal): void {}
