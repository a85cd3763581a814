/**
 * A tiny static HTTP server on loopback (port 0) serving fixed files from memory: the origin
 * browser test pages are loaded from.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** A running static server. */
export interface StaticServer {
  /** Its origin, e.g. "http://127.0.0.1:41234". */
  readonly origin: string;
  /** Stops it, ending open connections. */
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  html: "text/html",
  js: "text/javascript",
  css: "text/css",
  svg: "image/svg+xml",
  json: "application/json",
};

/** Serves `files` (path → content; "/" means "/index.html"); anything else is 404. */
export async function serveStatic(files: ReadonlyMap<string, string | Uint8Array>): Promise<StaticServer> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const body = files.get(path === "/" ? "/index.html" : path);
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    res
      .writeHead(200, { "content-type": TYPES[path.split(".").pop() ?? ""] ?? "text/html", "cache-control": "no-store" })
      .end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
