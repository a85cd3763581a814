/**
 * WebSocketManager: its connections live (the inspector's stream: status, reconnects, frames
 * received, tags), opened and closed through the SDK's typed Gateway proxy
 * (`WebSocketManagerGatewayProxy`).
 */
import { html, nothing, type TemplateResult } from "lit-html";
import type { InspectedConnection } from "@virtufin/sdk/gen/virtufin/emulator/v1/inspector_pb";
import type { App } from "../app.js";
import { short, showError } from "../format.js";

/** The latest snapshot of connections (set by the page's stream). */
export const connections: { list: InspectedConnection[] } = { list: [] };

const ui = { url: "ws://127.0.0.1:8080/", topic: "", reconnect: true, message: "", error: "" };
const value = (e: Event) => (e.target as HTMLInputElement).value;

async function act(app: App, what: string, fn: () => Promise<unknown>): Promise<void> {
  ui.error = "";
  ui.message = `${what}…`;
  app.update();
  try {
    await fn();
    ui.message = `${what}: done`;
  } catch (error) {
    app.session.noteFailure(error);
    ui.message = "";
    ui.error = `${what} failed: ${showError(error)}`;
  }
  app.update();
}

/** The WebSocketManager view. */
export function websocketsView(app: App): TemplateResult {
  const wsm = app.session.websocketmanager;
  return html`
    <div class="scroll">
      <table class="grid" aria-label="WebSocket connections">
        <thead>
          <tr>
            <th>ID</th>
            <th>URL</th>
            <th>Status</th>
            <th>Topic</th>
            <th class="num">Reconnects</th>
            <th class="num">Frames</th>
            <th>Tags</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          ${
            connections.list.length === 0
              ? html`<tr>
                  <td colspan="8" class="muted">No connections. Open one below.</td>
                </tr>`
              : nothing
          }
          ${connections.list.map(
            (c) =>
              html`<tr data-connection=${c.id} data-status=${c.status}>
                <td><code title=${c.id}>${short(c.id)}</code></td>
                <td class="clip">${c.url}</td>
                <td><span class="badge ${c.status}">${c.status}</span></td>
                <td>${c.topic || "—"}</td>
                <td class="num">${c.reconnects}</td>
                <td class="num">${c.framesReceived}</td>
                <td>${Object.entries(c.tags).map(([k, v]) => html`<span class="tag">${k}=${v}</span> `)}</td>
                <td>
                  <button class="danger" @click=${() => act(app, "Disconnecting", () => wsm.disconnect(c.id))}>Disconnect</button>
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    <form
      class="card"
      aria-label="Open a WebSocket"
      @submit=${(e: Event) => (
        e.preventDefault(),
        void act(app, `Connecting to ${ui.url}`, async () => {
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
    <p class="status" role="status">${ui.message}</p>
    ${ui.error ? html`<p class="error" role="alert">${ui.error}</p>` : nothing}
  `;
}
