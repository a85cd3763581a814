/**
 * WebSocketManager: its connections live (the inspector's stream: status, reconnects, frames
 * received, tags), opened and closed through the SDK's typed Gateway proxy
 * (`WebSocketManagerGatewayProxy`).
 */
import { html, type TemplateResult } from "lit-html";
import type { InspectedConnection } from "@virtufin/sdk/gen/virtufin/emulator/v1/inspector_pb";
import type { App } from "../app.js";
import { short } from "../format.js";
import { ActionStatus, liveTable } from "./live-list.js";

/** The latest snapshot of connections (set by the page's stream). */
export const connections: { list: InspectedConnection[] } = { list: [] };

const ui = { url: "ws://127.0.0.1:8080/", topic: "", reconnect: true };
const status = new ActionStatus();
const value = (e: Event) => (e.target as HTMLInputElement).value;

/** The WebSocketManager view. */
export function websocketsView(app: App): TemplateResult {
  const wsm = app.session.websocketmanager;
  return html`
    ${liveTable({
      label: "WebSocket connections",
      columns: [
        "ID",
        "URL",
        "Status",
        "Topic",
        { text: "Reconnects", numeric: true },
        { text: "Frames", numeric: true },
        "Tags",
        "",
      ],
      items: connections.list,
      empty: "No connections. Open one below.",
      row: (c) =>
        html`<tr data-connection=${c.id} data-status=${c.status}>
          <td><code title=${c.id}>${short(c.id)}</code></td>
          <td class="clip">${c.url}</td>
          <td><span class="badge ${c.status}">${c.status}</span></td>
          <td>${c.topic || "—"}</td>
          <td class="num">${c.reconnects}</td>
          <td class="num">${c.framesReceived}</td>
          <td>${Object.entries(c.tags).map(([k, v]) => html`<span class="tag">${k}=${v}</span> `)}</td>
          <td>
            <button class="danger" @click=${() => status.act(app, "Disconnecting", () => wsm.disconnect(c.id))}>
              Disconnect
            </button>
          </td>
        </tr>`,
    })}
    <form
      class="card"
      aria-label="Open a WebSocket"
      @submit=${(e: Event) => (
        e.preventDefault(),
        void status.act(app, `Connecting to ${ui.url}`, async () => {
          const { id } = await wsm.connect({ url: ui.url, autoReconnect: ui.reconnect });
          if (ui.topic) await wsm.startPublish(id, ui.topic);
        })
      )}
    >
      <div class="row">
        <label class="grow"
          >URL <input name="ws-url" required .value=${ui.url} @input=${(e: Event) => (ui.url = value(e))}
        /></label>
        <label
          >Publish frames to
          <input name="ws-topic" placeholder="(no topic)" .value=${ui.topic} @input=${(e: Event) => (ui.topic = value(e))}
        /></label>
        <label class="check"
          ><input
            type="checkbox"
            .checked=${ui.reconnect}
            @change=${(e: Event) => (ui.reconnect = (e.target as HTMLInputElement).checked)}
          />
          reconnect</label
        >
        <button type="submit">Connect</button>
      </div>
    </form>
    ${status.view()}
  `;
}
