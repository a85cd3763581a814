/**
 * State: the keys of a service with value and etag (registered keys from GetAllState plus every
 * key seen in a state-change event), read with the SDK's `state.get`; a key edited with the etag
 * it was read with (a conflict shows the typed error); a watched key updated live from the
 * state-change events of the inspector's stream.
 */
import { html, nothing, type TemplateResult } from "lit-html";
import type { WatchEventsResponse } from "@virtufin/sdk/gen/virtufin/emulator/v1/inspector_pb";
import type { App } from "../app.js";
import { clock, dataJson } from "../format.js";
import { ActionStatus, liveTable } from "./live-list.js";

interface Entry {
  value: string | undefined;
  etag: string;
}

const ui = {
  service: "",
  services: [] as string[],
  loaded: { service: "", epoch: -1 },
  entries: new Map<string, Entry>(),
  edit: undefined as { key: string; value: string; etag: string; readEtag: string } | undefined,
  watching: "",
  changes: [] as { time: string; action: string; value: string | undefined; etag: string }[],
  newKey: { key: "", value: "" },
};
const status = new ActionStatus();

const value = (e: Event) => (e.target as HTMLInputElement).value;

/** The service and key of a state-change event, if it is one. */
function stateChange(event: WatchEventsResponse): { service: string; key: string; action: string } | undefined {
  if (event.eventType !== "state") return undefined;
  const body = dataJson(event.data) as { service?: unknown; key?: unknown; action?: unknown } | undefined;
  if (typeof body?.service !== "string" || typeof body.key !== "string") return undefined;
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- shown as text, whatever the emulator sent
  return { service: body.service, key: body.key, action: String(body.action ?? "") };
}

/** The newest read of each key: an older read that answers later must not overwrite it. */
const latestRead = new Map<string, number>();
let reads = 0;

async function read(app: App, key: string): Promise<void> {
  const service = ui.service;
  const mine = ++reads;
  latestRead.set(key, mine);
  try {
    const entry = await app.session.api.state.get(service, key);
    if (service !== ui.service || latestRead.get(key) !== mine) return;
    ui.entries.set(key, entry);
    if (key === ui.watching) {
      ui.changes.unshift({
        time: new Date().toISOString(),
        action: entry.value === undefined ? "missing" : "read",
        value: entry.value,
        etag: entry.etag,
      });
      ui.changes.length = Math.min(ui.changes.length, 50);
    }
  } catch (error) {
    app.session.noteFailure(error);
  }
  app.update();
}

/** Loads the keys of the chosen service (again after the platform comes back). */
function load(app: App): void {
  if (ui.loaded.service === ui.service && ui.loaded.epoch === app.session.epoch) return;
  ui.loaded = { service: ui.service, epoch: app.session.epoch };
  const service = ui.service;
  ui.entries = new Map();
  app.session.api.listServices().then(
    (names) => {
      ui.services = [...new Set([...names, ...ui.services])].sort();
      app.update();
    },
    (error: unknown) => app.session.noteFailure(error),
  );
  if (service === "") return;
  for (const event of app.feed.events) {
    const change = stateChange(event);
    if (change?.service === service) ui.entries.set(change.key, ui.entries.get(change.key) ?? { value: undefined, etag: "" });
  }
  app.session.api.state.getAll(service).then(
    (values) => {
      for (const key of Object.keys(values)) if (!ui.entries.has(key)) ui.entries.set(key, { value: values[key], etag: "" });
      for (const key of ui.entries.keys()) void read(app, key);
      app.update();
    },
    (error: unknown) => app.session.noteFailure(error),
  );
}

/** Called for every live event: keeps the shown keys and the watched key current. */
export function stateOnEvent(app: App, event: WatchEventsResponse): void {
  const change = stateChange(event);
  if (!change) return;
  if (!ui.services.includes(change.service)) ui.services = [...ui.services, change.service].sort();
  if (change.service !== ui.service || event.replayed) return;
  if (!ui.entries.has(change.key)) ui.entries.set(change.key, { value: undefined, etag: "" });
  void read(app, change.key);
}

async function save(app: App, key: string, newValue: string, etag: string): Promise<void> {
  status.error = "";
  status.message = `Saving ${key}…`;
  app.update();
  try {
    await app.session.api.state.save(ui.service, key, newValue, etag ? { etag } : {});
    status.message = `Saved ${key}${etag ? " (etag matched)" : ""}`;
    ui.edit = undefined;
    await read(app, key);
  } catch (error) {
    status.fail(app, error, `Save of "${key}" refused — `);
  }
  app.update();
}

function editor(app: App): TemplateResult | typeof nothing {
  const edit = ui.edit;
  if (!edit) return nothing;
  const current = ui.entries.get(edit.key);
  const stale = current !== undefined && current.etag !== edit.readEtag;
  return html`<form
    class="card"
    aria-label="Edit a key"
    @submit=${(e: Event) => (e.preventDefault(), void save(app, edit.key, edit.value, edit.etag))}
  >
    <h3>Edit <code>${edit.key}</code></h3>
    ${stale ? html`<p class="warn" role="status">This key changed since you opened it (etag now ${current.etag}); saving with the etag you read will be refused.</p>` : nothing}
    <label
      >Value
      <textarea
        name="state-value"
        rows="4"
        spellcheck="false"
        .value=${edit.value}
        @input=${(e: Event) => (edit.value = value(e))}
      ></textarea>
    </label>
    <div class="row">
      <label>Etag <input name="state-etag" .value=${edit.etag} @input=${(e: Event) => (edit.etag = value(e))} /></label>
      <button type="submit">Save with etag</button>
      <button type="button" @click=${() => ((ui.edit = undefined), app.update())}>Cancel</button>
    </div>
  </form>`;
}

/** The State view. */
export function stateView(app: App): TemplateResult {
  load(app);
  const newKey = ui.newKey;
  const watched = ui.entries.get(ui.watching);
  return html`
    <div class="row">
      <label
        >Service
        <select
          name="state-service"
          @change=${(e: Event) => ((ui.service = value(e)), (ui.edit = undefined), (ui.watching = ""), app.update())}
        >
          <option value="" ?selected=${ui.service === ""}>choose…</option>
          ${ui.services.map((s) => html`<option .value=${s} ?selected=${s === ui.service}>${s}</option>`)}
        </select>
      </label>
      <label
        >or another
        <input
          name="state-service-other"
          placeholder="service name"
          @change=${(e: Event) => ((ui.service = value(e).trim()), app.update())}
      /></label>
    </div>
    ${
      ui.service === ""
        ? html`<p class="muted">Choose a service to see its keys.</p>`
        : html` <div class="split">
            <div class="main">
              ${liveTable({
                label: "State keys",
                columns: ["Key", "Value", "Etag", ""],
                items: [...ui.entries].sort(([a], [b]) => a.localeCompare(b)),
                empty: `No keys known for ${ui.service} yet (registered keys and keys written while the emulator ran are listed).`,
                row: ([key, entry]) =>
                  html`<tr data-key=${key} class=${key === ui.watching ? "selected" : ""}>
                    <td><code>${key}</code></td>
                    <td class="clip" title=${entry.value ?? ""}>${entry.value ?? html`<span class="muted">(missing)</span>`}</td>
                    <td><code>${entry.etag || "—"}</code></td>
                    <td class="actions">
                      <button
                        @click=${() => ((ui.edit = { key, value: entry.value ?? "", etag: entry.etag, readEtag: entry.etag }), app.update())}
                      >
                        Edit
                      </button>
                      <button
                        aria-pressed=${key === ui.watching}
                        @click=${() => ((ui.watching = key === ui.watching ? "" : key), (ui.changes = []), app.update())}
                      >
                        Watch
                      </button>
                    </td>
                  </tr>`,
              })}
              ${editor(app)} ${status.view()}
              <form
                class="card"
                aria-label="Add a key"
                @submit=${(e: Event) => (e.preventDefault(), void save(app, newKey.key, newKey.value, ""))}
              >
                <div class="row">
                  <label
                    >New key <input name="new-key" required .value=${newKey.key} @input=${(e: Event) => (newKey.key = value(e))}
                  /></label>
                  <label class="grow"
                    >Value <input name="new-value" .value=${newKey.value} @input=${(e: Event) => (newKey.value = value(e))}
                  /></label>
                  <button type="submit">Save</button>
                </div>
              </form>
            </div>
            <aside class="detail" aria-label="Watched key">
              ${
                ui.watching === ""
                  ? html`<p class="muted">Watch a key to follow its changes live.</p>`
                  : html` <h3>Watching <code>${ui.watching}</code></h3>
                      <p>
                        Value: <code class="watched-value">${watched?.value ?? "(missing)"}</code><br />Etag:
                        <code>${watched?.etag || "—"}</code>
                      </p>
                      <ol class="history">
                        ${ui.changes.map((c) => html`<li>${clock(c.time)} — ${c.value ?? "(missing)"} <span class="muted">etag ${c.etag || "—"}</span></li>`)}
                      </ol>`
              }
            </aside>
          </div>`
    }
  `;
}
