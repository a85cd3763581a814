/**
 * Seed: "Dynamic Dispatch Examples: WebSocketManager" — list, connect and disconnect WebSocket
 * connections through the Gateway. The seed connects to a public feed; with no network here, the
 * example serves a WebSocket itself on loopback (with `ws`) and connects to that.
 *
 *   npx tsx examples/gateway-websocketmanager.ts
 */
import { WebSocketServer } from "ws";
import { ApiClient } from "@virtufin/sdk";
import { apiEndpoint, run } from "./support.js";

interface Connection {
  id: string;
  url: string;
  status: string;
}

run(async () => {
  const feed = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise((resolve) => feed.once("listening", resolve));
  const { port } = feed.address() as { port: number };
  try {
    await using client = new ApiClient(apiEndpoint());
    const wsm = client.gateway.websocketmanager;

    // Connect — url, auto_reconnect
    const conn = (await wsm.Connect({ url: `ws://127.0.0.1:${port}/feed`, auto_reconnect: true })) as { id: string };
    const connectionId = conn.id;
    console.log(`Connected: ${connectionId}`);

    // List — no request fields; returns {"connections": [...]}
    const connections = (await wsm.List()) as { connections?: Connection[] };
    for (const c of connections.connections ?? []) console.log(`  ${c.id}: ${c.url} (${c.status})`);

    // Disconnect — id field
    await wsm.Disconnect({ id: connectionId });
    console.log("Disconnected");
  } finally {
    for (const socket of feed.clients) socket.terminate();
    await new Promise((resolve) => feed.close(resolve));
  }
});
