/**
 * The emulator's web UI server: a static HTTP/1.1 server for the page built from emulator/ui/
 * (Vite, `npm run build`) plus `/config.json`, which tells the page where the Gateway's gRPC-Web
 * port is. The page itself talks to the emulator only through the SDK over gRPC-Web.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "../logger.js";
import { urlHost } from "./serve.js";

/** What the page needs to find the emulator. */
export interface UiConfig {
  /** The port of the Gateway's gRPC-Web server (same host as the page). */
  readonly grpcWebPort: number;
  /** True when the gRPC-Web server speaks TLS. */
  readonly tls: boolean;
  /** True when the emulator requires an api key (the page then asks for one). */
  readonly apiKeyRequired: boolean;
}

/** Options of {@link startUiServer}. */
export interface UiServerOptions {
  /** The port; 0 picks a free one. */
  readonly port: number;
  /** The interface to bind (default 127.0.0.1). */
  readonly host?: string;
  /** The built bundle (default: {@link defaultUiDir}). */
  readonly dir?: string;
  /** Read at each `/config.json` request: the gRPC-Web port is known only after the UI binds. */
  readonly config: () => UiConfig;
  /** Where start-up problems go. */
  readonly log?: Logger;
}

/** A running UI server. */
export interface RunningUiServer {
  /** The bound host. */
  readonly host: string;
  /** The bound port. */
  readonly port: number;
  /** `http://host:port/`, the address to open. */
  readonly url: string;
  /** Stops serving and closes open connections. Idempotent. */
  close(): Promise<void>;
}

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".ico": "image/x-icon",
  ".png": "image/png",
};

/**
 * Where the built UI is: `dist/emulator-ui/` of the emulator package, found from this module both
 * when it runs built (packages/emulator/dist/server/) and from source (emulator/server/).
 */
export function defaultUiDir(): string {
  const candidates = ["../emulator-ui/", "../../packages/emulator/dist/emulator-ui/"].map((p) =>
    fileURLToPath(new URL(p, import.meta.url)),
  );
  return candidates.find((dir) => existsSync(join(dir, "index.html"))) ?? candidates[0]!;
}

/** Starts the UI server; resolves once it listens. */
export async function startUiServer(options: UiServerOptions): Promise<RunningUiServer> {
  const host = options.host ?? "127.0.0.1";
  const dir = normalize(options.dir ?? defaultUiDir());
  const sockets = new Set<Socket>();

  const server = http.createServer((req, res) => {
    void respond(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  async function respond(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "no-referrer");
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD" }).end();
      return;
    }
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://ui").pathname);
    if (path === "/config.json") {
      res.writeHead(200, { "Content-Type": TYPES[".json"], "Cache-Control": "no-store" }).end(JSON.stringify(options.config()));
      return;
    }
    const file = normalize(join(dir, path === "/" ? "index.html" : path));
    // Never outside the bundle's folder (../ in a URL).
    if (file !== dir && !file.startsWith(dir.endsWith(sep) ? dir : dir + sep)) {
      res.writeHead(404).end();
      return;
    }
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      if (path === "/" || path === "/index.html") {
        res
          .writeHead(503, { "Content-Type": TYPES[".html"] })
          .end(`<!doctype html><title>Virtufin emulator</title><p>The web UI is not built. Run <code>npm run build</code>.</p>`);
      } else res.writeHead(404).end();
      return;
    }
    // The page may load its own files and call only the emulator's gRPC-Web port.
    const api = `${options.config().tls ? "https" : "http"}://*:${options.config().grpcWebPort}`;
    res.writeHead(200, {
      "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
      // Hashed asset names never change; the HTML does.
      "Cache-Control": path.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache",
      "Content-Security-Policy": `default-src 'self'; connect-src 'self' ${api}; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'`,
    });
    res.end(req.method === "HEAD" ? undefined : body);
  }

  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  if (!existsSync(join(dir, "index.html"))) options.log?.warn("web UI not built; run `npm run build`", { dir });
  let closed: Promise<void> | undefined;
  return {
    host,
    port,
    url: `http://${urlHost(host)}:${port}/`,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closed;
    },
  };
}
