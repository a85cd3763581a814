/**
 * Starting Connect servers: an HTTP/2 cleartext (h2c) server speaking gRPC, Connect and gRPC-Web,
 * or an HTTP/1.1 server for gRPC-Web (and Connect) from browsers, with CORS. Every server also
 * hosts `grpc.health.v1.Health` and gRPC server reflection v1, and checks api keys.
 */
import * as http from "node:http";
import * as http2 from "node:http2";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import type { DescFile, DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter, type Interceptor } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import type { Logger } from "../logger.js";
import { createApiKeyInterceptor } from "./api-key.js";
import { applyCors, type CorsOptions } from "./cors.js";
import { closeIfBodyUnread } from "./close-unread.js";
import { Health } from "@virtufin/sdk/gen/grpc/health/v1/health_pb";
import { ServerReflection } from "@virtufin/sdk/gen/grpc/reflection/v1/reflection_pb";
import { ServerReflection as ServerReflectionV1alpha } from "@virtufin/sdk/gen/grpc/reflection/v1alpha/reflection_pb";
import { registerReflection } from "@virtufin/sdk/node";
import { releaseBlockedWriteOnClose } from "./release-blocked-write.js";
import { createHealthService } from "./health.js";
import type { Telemetry } from "@virtufin/sdk/internal";
import { createServerTelemetryInterceptor } from "./telemetry-interceptor.js";
import { authorizeClient, secureServerOptions, type ServerTlsOptions } from "./tls.js";

/** The largest request message accepted (bigger ones are RESOURCE_EXHAUSTED), like gRPC's default. */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** One service to host: its descriptor and its (possibly partial) implementation. */
export interface ServiceRegistration {
  /** The service descriptor, e.g. `Gateway` from `generated/virtufin/gateway_pb.js`. */
  readonly desc: DescService;
  /** The implementation (a `ServiceImpl<typeof desc>`); missing methods are UNIMPLEMENTED. */
  readonly impl: object;
}

/** Options of {@link startGrpcServer}. */
export interface StartServerOptions {
  /** The services to host (health and reflection are added). */
  readonly services: readonly ServiceRegistration[];
  /** Extra files reflection may need to resolve imports by name (option-only imports). */
  readonly files?: readonly DescFile[];
  /** The port; 0 picks a free one. */
  readonly port: number;
  /** The interface to bind (default 127.0.0.1). */
  readonly host?: string;
  /** Api keys by name; when non-empty every call except health and reflection needs one. */
  readonly apiKeys?: Readonly<Record<string, string>>;
  /** "h2c" (default): HTTP/2 cleartext for gRPC, Connect, gRPC-Web. "http1": HTTP/1.1 with CORS. */
  readonly protocol?: "h2c" | "http1";
  /** CORS settings of an "http1" server (default: any origin). */
  readonly cors?: CorsOptions;
  /** Extra interceptors run after the api-key check. */
  readonly interceptors?: readonly Interceptor[];
  /** Where start, stop and auth records go. */
  readonly log?: Logger;
  /** A name for log lines, e.g. "gateway". */
  readonly name?: string;
  /** How long `close()` waits for open calls before cutting connections (default 2,000 ms). */
  readonly closeGraceMs?: number;
  /**
   * Serve TLS instead of plaintext: HTTP/2 with ALPN h2 ("h2c" protocol) or HTTPS (HTTP/1.1);
   * with `requireClientCert`, mutual TLS.
   */
  readonly tls?: ServerTlsOptions;
  /**
   * Tracing: a server span per RPC, continuing the caller's trace (the emulator passes its own;
   * `startEmulator({ tracerProvider })` is the public way to turn it on).
   *
   * @internal
   */
  readonly telemetry?: Telemetry;
}

/**
 * What the emulator's Gateway needs to reach a server it hosts itself without a connection
 * (emulator/gateway/in-process-transport.ts): the server's own routes, interceptors and request
 * size cap, so that a call runs through exactly what a call over the network runs through.
 *
 * @internal
 */
export interface InProcessServer {
  /** The server's routes: its services, health and reflection. */
  readonly routes: (router: ConnectRouter) => void;
  /** The server's interceptors, in order: tracing, the api-key check, the extra ones. */
  readonly interceptors: readonly Interceptor[];
  /** The largest request message accepted. */
  readonly readMaxBytes: number;
  /** Aborted when the server starts closing: from then on it takes no call, like a closed port. */
  readonly closing: AbortSignal;
}

/** A running server. */
export interface RunningServer {
  /** The bound host. */
  readonly host: string;
  /** The bound port (the real one when 0 was asked). */
  readonly port: number;
  /** `http://host:port` (`https://` with TLS), the base URL for Connect transports. */
  readonly url: string;
  /**
   * Aborted when the server starts closing. Streaming handlers should end their streams normally
   * when it fires; streams still open after `closeGraceMs` are cut.
   */
  readonly closing: AbortSignal;
  /**
   * Stops the server gracefully: health turns NOT_SERVING, open streams are ended normally
   * (clients see the stream end, not a reset), then connections are closed. Idempotent.
   */
  close(): Promise<void>;
  /**
   * The server's routes for an in-process caller (the emulator's Gateway), or undefined when the
   * server speaks TLS: its certificates (and a client's, with mutual TLS) are only checked on a
   * connection, so such a server is always reached over the network.
   *
   * @internal
   */
  readonly inProcess: InProcessServer | undefined;
}

/** Formats a host for a URL (IPv6 literals need brackets). */
export function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/**
 * Starts a server hosting `services` plus health and reflection and resolves once it listens.
 * The WorkManager and WebSocketManager servers use this too.
 */
export async function startGrpcServer(options: StartServerOptions): Promise<RunningServer> {
  const host = options.host ?? "127.0.0.1";
  const log = options.log;
  const shutdown = new AbortController();
  const infrastructure = [Health, ServerReflection, ServerReflectionV1alpha];
  const health = createHealthService([...options.services.map((s) => s.desc.typeName), ...infrastructure.map((s) => s.typeName)]);
  const reflected = [...options.services.map((s) => s.desc), Health];
  const protocol = options.protocol ?? "h2c";
  const routes = (router: ConnectRouter) => {
    for (const service of options.services) router.service(service.desc, service.impl);
    router.service(Health, health.impl);
    registerReflection(router, reflected, { files: options.files, http1: protocol === "http1" });
  };
  // Known once the server listens; spans of calls before that cannot exist.
  let bound = { address: host, port: 0 };
  const tracing = options.telemetry ? [createServerTelemetryInterceptor(options.telemetry, () => bound)] : [];
  // Tracing first, so that calls the api-key check refuses show up too.
  const interceptors = [...tracing, createApiKeyInterceptor(options.apiKeys, log), ...(options.interceptors ?? [])];
  const handler = connectNodeAdapter({ routes, readMaxBytes: MAX_MESSAGE_BYTES, interceptors });

  // Mutual TLS: the handshake asks for a client certificate; every request on a connection
  // without an accepted one is answered UNAUTHENTICATED in its own protocol (a clearer failure
  // than a cut connection) before any handler, health included, runs.
  const authorize = options.tls ? authorizeClient(options.tls) : undefined;
  const refuse = authorize
    ? connectNodeAdapter({
        routes,
        // Connect reads a unary request before interceptors run: the cap holds here too.
        readMaxBytes: MAX_MESSAGE_BYTES,
        interceptors: [
          () => (req) => {
            log?.warn("call without an accepted client certificate rejected", {
              method: `${req.service.typeName}/${req.method.name}`,
            });
            throw new ConnectError("a client certificate issued by the server's client CA is required", Code.Unauthenticated);
          },
        ],
      })
    : undefined;
  const serve: typeof handler =
    authorize && refuse ? (req, res) => (authorize(req.socket as TLSSocket) ? handler(req, res) : refuse(req, res)) : handler;

  let server: http.Server | http2.Http2Server | http2.Http2SecureServer;
  const sessions = new Set<http2.ServerHttp2Session>();
  const tls = options.tls;
  if (protocol === "http1") {
    const cors = options.cors ?? {};
    const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (applyCors(req, res, cors)) return;
      closeIfBodyUnread(req, res);
      serve(req, res);
    };
    server = tls ? https.createServer(secureServerOptions(tls, "http/1.1"), listener) : http.createServer(listener);
  } else {
    const h2Serve = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse): void => {
      releaseBlockedWriteOnClose(req, res);
      serve(req, res);
    };
    const h2 = tls ? http2.createSecureServer(secureServerOptions(tls, "h2"), h2Serve) : http2.createServer({}, h2Serve);
    h2.on("session", (session) => {
      sessions.add(session);
      session.once("close", () => sessions.delete(session));
    });
    server = h2;
  }

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once("error", onError);
    server.listen(options.port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  server.on("error", (err) => log?.error("server error", { server: options.name, error: err }));
  const port = (server.address() as AddressInfo).port;
  bound = { address: host, port };
  const url = `${tls ? "https" : "http"}://${urlHost(host)}:${port}`;

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      health.shutdown();
      // Our own signal rather than Connect's shutdownSignal: Connect would fail open streams with
      // an error, while handlers watching `closing` end them normally (status OK).
      shutdown.abort();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      // Give handlers a moment to flush their last messages and trailers before closing sessions.
      await new Promise((resolve) => setTimeout(resolve, 50));
      for (const session of sessions) session.close();
      // HTTP/1.1 keep-alive connections become idle as their last response ends; close them as
      // they do, rather than waiting for the grace period.
      let sweep: NodeJS.Timeout | undefined;
      // https.Server is not an http.Server subclass, hence the duck test.
      const h1 = "closeIdleConnections" in server ? server : undefined;
      if (h1) {
        h1.closeIdleConnections();
        sweep = setInterval(() => h1.closeIdleConnections(), 25);
        sweep.unref();
      }
      const grace = options.closeGraceMs ?? 2_000;
      let timer: NodeJS.Timeout | undefined;
      const forced = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          for (const session of sessions) session.destroy();
          h1?.closeAllConnections();
          resolve();
        }, grace);
        timer.unref();
      });
      await Promise.race([stopped, forced]);
      clearTimeout(timer);
      clearInterval(sweep);
      await stopped;
      log?.debug("server stopped", { server: options.name, url });
    })();
    return closed;
  };
  const inProcess = tls ? undefined : { routes, interceptors, readMaxBytes: MAX_MESSAGE_BYTES, closing: shutdown.signal };
  return { host, port, url, closing: shutdown.signal, close, inProcess };
}
