/**
 * A loopback TCP proxy of a test's own: one listening port in front of several upstream ports
 * (emulator replicas). Each new connection goes to the next live upstream, round robin; a test
 * can take an upstream out (its open connections are cut at once, as when the process dies) and
 * put it back.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";

/** A running proxy. */
export interface TcpProxy {
  /** The port clients dial. */
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Stops routing new connections to `port` and cuts those open to it. */
  drop(port: number): void;
  /** Routes new connections to `port` again. */
  restore(port: number): void;
  /** Cuts every open connection (clients reconnect through the proxy). */
  cutAll(): void;
  /** Closes the listener and every connection. */
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 (a free port) in front of `upstreams` (ports on 127.0.0.1). */
export async function startTcpProxy(upstreams: readonly number[]): Promise<TcpProxy> {
  const live = new Set(upstreams);
  const open = new Map<Socket, { upstream: Socket; port: number }>();
  let next = 0;
  let accepted = 0;
  const cut = (client: Socket) => {
    const pair = open.get(client);
    open.delete(client);
    client.destroy();
    pair?.upstream.destroy();
  };
  const server: Server = createServer((client) => {
    accepted += 1;
    const ports = upstreams.filter((p) => live.has(p));
    if (ports.length === 0) {
      client.destroy();
      return;
    }
    const port = ports[next++ % ports.length]!;
    const upstream = createConnection({ host: "127.0.0.1", port });
    open.set(client, { upstream, port });
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => cut(client);
    client.on("error", end);
    upstream.on("error", end);
    client.on("close", end);
    upstream.on("close", end);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the proxy has no TCP address");
  return {
    port: address.port,
    get accepted() {
      return accepted;
    },
    drop(port) {
      live.delete(port);
      for (const [client, pair] of [...open]) if (pair.port === port) cut(client);
    },
    restore(port) {
      live.add(port);
    },
    cutAll() {
      for (const client of [...open.keys()]) cut(client);
    },
    async close() {
      for (const client of [...open.keys()]) cut(client);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
