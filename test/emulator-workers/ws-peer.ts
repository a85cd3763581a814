/**
 * A WebSocket server on loopback (the `ws` package) playing the remote peer in tests: it records
 * what it receives, answers correlated requests (16-byte prefix echoed), and can push frames or
 * drop its clients.
 */
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";

/** One frame the peer received. */
export interface ReceivedFrame {
  /** The payload. */
  readonly data: Buffer;
  /** Binary (true) or text (false). */
  readonly binary: boolean;
}

/** The test peer. */
export class WsPeer {
  /** Frames received, in order. */
  readonly received: ReceivedFrame[] = [];
  /** Sockets currently connected. */
  readonly sockets = new Set<WebSocket>();
  /** How many connections were accepted in total. */
  connections = 0;
  private server!: WebSocketServer;

  private constructor() {}

  /** Starts a peer on 127.0.0.1 (port 0 picks a free port). */
  static async start(port = 0): Promise<WsPeer> {
    const peer = new WsPeer();
    peer.server = new WebSocketServer({ host: "127.0.0.1", port });
    await new Promise<void>((resolve, reject) => {
      peer.server.once("listening", resolve);
      peer.server.once("error", reject);
    });
    peer.server.on("connection", (socket) => {
      peer.connections += 1;
      peer.sockets.add(socket);
      socket.on("close", () => peer.sockets.delete(socket));
      socket.on("message", (data: Buffer, binary) => {
        peer.received.push({ data, binary });
        // Correlated requests: echo the 16-byte prefix before the reply, unless told to stay silent.
        if (binary && data.length >= 16 && !data.subarray(16).toString().startsWith("silent")) {
          socket.send(Buffer.concat([data.subarray(0, 16), Buffer.from("reply:"), data.subarray(16)]), { binary: true });
        }
      });
    });
    return peer;
  }

  /** The ws:// URL of the peer. */
  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** The bound port. */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Sends a frame to every connected client. */
  broadcast(data: string | Buffer, binary: boolean): void {
    for (const socket of this.sockets) socket.send(data, { binary });
  }

  /** Drops every client abruptly (no close handshake). */
  dropClients(): void {
    for (const socket of this.sockets) socket.terminate();
  }

  /** Stops the server and drops its clients. */
  async stop(): Promise<void> {
    this.dropClients();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Waits until `predicate` holds, polling every 10 ms, or fails after `timeoutMs`. */
  static async until(predicate: () => boolean, timeoutMs = 5_000, what = "condition"): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}
