/**
 * A small real Connect server on loopback for tests that need a backend without the emulator.
 */
import { createServer, type Http2Server } from "node:http2";
import type { AddressInfo } from "node:net";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { releaseBlockedWriteOnClose } from "../../emulator/server/release-blocked-write.js";

/** A running test server. */
export interface TestServer {
  /** Its base URL, e.g. "http://127.0.0.1:40123". */
  readonly baseUrl: string;
  /** Its port. */
  readonly port: number;
  /** Serves other routes from now on (a server redeployed with another set of services). */
  replaceRoutes(routes: (router: ConnectRouter) => void): void;
  /** Stops it, ending open streams. */
  close(): Promise<void>;
}

/** Serves the routes on 127.0.0.1, a free port, over h2c (gRPC, gRPC-Web and Connect). */
export async function startTestServer(routes: (router: ConnectRouter) => void): Promise<TestServer> {
  let handler = connectNodeAdapter({ routes });
  // As the emulator's servers do (emulator/server/release-blocked-write.ts).
  const server: Http2Server = createServer((req, res) => {
    releaseBlockedWriteOnClose(req, res);
    handler(req, res);
  });
  const sessions = new Set<import("node:http2").ServerHttp2Session>();
  server.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    replaceRoutes: (next) => {
      handler = connectNodeAdapter({ routes: next });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  };
}
