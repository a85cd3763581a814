/**
 * Workers: the WorkManager's workers live (inspector stream: status, counters, recent log lines),
 * created, started, stopped, deleted and given new code through the SDK's typed Gateway proxy
 * (`WorkManagerGatewayProxy`), with each worker's code history.
 */
import { html, type TemplateResult } from "lit-html";
import type { HistoryEntry } from "@virtufin/sdk/gen/virtufin/workmanager_pb";
import type { App } from "../app.js";
import { clock, short } from "../format.js";
import { ActionStatus, liveTable } from "./live-list.js";

const SAMPLES = {
  python: `def Process(event):
    # Echo the request: the reply goes to the event's replytopic with its correlationid.
    return {"type": "com.example.echo", "source": "python-worker", "data": {"echo": event["data"], "by": "python"}}
`,
  javascript: `function Process(event) {
  // Echo the request: the reply goes to the event's replytopic with its correlationid.
  return { type: "com.example.echo", source: "js-worker", data: { echo: event.data, by: "javascript" } };
}
module.exports = { Process };
`,
} as const;
const MIME = { python: "text/x-python", javascript: "text/javascript" } as const;
type Language = keyof typeof SAMPLES;

const ui = {
  selected: "",
  language: "python" as Language,
  topic: "ui-requests",
  group: "",
  code: SAMPLES.python as string,
  startNow: true,
  upload: "",
  history: { id: "", versions: -1, entries: [] as HistoryEntry[] },
};

const status = new ActionStatus();
const value = (e: Event) => (e.target as HTMLInputElement).value;

/** Reads a chosen file as text; the language follows its extension. */
async function readFile(e: Event, app: App, into: "code" | "upload"): Promise<void> {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (!file) return;
  ui[into] = await file.text();
  if (into === "code")
    ui.language = /\.(m?js|cjs)$/i.test(file.name) ? "javascript" : /\.py$/i.test(file.name) ? "python" : ui.language;
  app.update();
}

async function create(app: App): Promise<void> {
  const wm = app.session.workmanager;
  await status.act(app, `Creating a ${ui.language} worker on "${ui.topic}"`, async () => {
    const id = await wm.createWorker({
      codeSource: { content: new TextEncoder().encode(ui.code) },
      mimeType: MIME[ui.language],
      topic: ui.topic,
      group: ui.group,
    });
    if (ui.startNow) await wm.startWorker(id);
    ui.selected = id;
  });
}

/** Loads the selected worker's code history when it changes (a new version or another worker). */
function history(app: App, id: string, versions: number): void {
  if (ui.history.id === id && ui.history.versions === versions) return;
  ui.history = { id, versions, entries: ui.history.id === id ? ui.history.entries : [] };
  app.session.workmanager.getWorkerHistory(id).then(
    (entries) => {
      if (ui.history.id === id) ui.history.entries = entries;
      app.update();
    },
    (error: unknown) => app.session.noteFailure(error),
  );
}

function source(entry: HistoryEntry): string {
  const s = entry.codeSource?.source;
  if (s?.case === "url") return s.value;
  if (s?.case === "content") return `${s.value.length} bytes inline`;
  return "—";
}

function detail(app: App): TemplateResult {
  const w = app.workers.find((x) => x.id === ui.selected);
  if (!w) return html`<p class="muted">Select a worker to see its counters, code history and log lines.</p>`;
  history(app, w.id, w.codeVersions);
  const wm = app.session.workmanager;
  return html`
    <h3>Worker <code title=${w.id}>${short(w.id)}</code> <span class="badge ${w.status.toLowerCase()}">${w.status}</span></h3>
    <dl class="counters">
      <div>
        <dt>processed</dt>
        <dd data-counter="processed">${w.processed}</dd>
      </div>
      <div>
        <dt>failed</dt>
        <dd data-counter="failed">${w.failed}</dd>
      </div>
      <div>
        <dt>retried</dt>
        <dd data-counter="retried">${w.retried}</dd>
      </div>
      <div>
        <dt>dead-lettered</dt>
        <dd data-counter="deadLettered">${w.deadLettered}</dd>
      </div>
    </dl>
    <div class="row">
      <button ?disabled=${w.status === "RUNNING"} @click=${() => status.act(app, "Starting", () => wm.startWorker(w.id))}>
        Start
      </button>
      <button ?disabled=${w.status === "STOPPED"} @click=${() => status.act(app, "Stopping", () => wm.stopWorker(w.id))}>
        Stop
      </button>
      <button class="danger" @click=${() => status.act(app, "Deleting", () => wm.deleteWorker(w.id))}>Delete</button>
    </div>
    <details>
      <summary>Upload new code</summary>
      <label
        >Code
        <textarea
          rows="6"
          spellcheck="false"
          .value=${ui.upload}
          @input=${(e: Event) => ((ui.upload = value(e)), app.update())}
        ></textarea>
      </label>
      <label
        >or a file <input type="file" accept=".py,.js,.mjs,.cjs,text/*" @change=${(e: Event) => readFile(e, app, "upload")}
      /></label>
      <button
        ?disabled=${ui.upload.trim() === ""}
        @click=${() => status.act(app, "Loading code", () => wm.loadCodeFromContent(w.id, new TextEncoder().encode(ui.upload)))}
      >
        Load code
      </button>
    </details>
    <h4>Code history (${w.codeVersions})</h4>
    <ol class="history">
      ${ui.history.entries.map((e) => html`<li>${clock(e.createdAt)} — ${source(e)}</li>`)}
    </ol>
    <h4>Recent log lines</h4>
    <pre class="log" tabindex="0" aria-label="Worker log lines">${w.logLines.length ? w.logLines.join("\n") : "(none yet)"}</pre>
  `;
}

/** The Workers view. */
export function workersView(app: App): TemplateResult {
  return html`
    <div class="split">
      <div class="main">
        ${liveTable({
          label: "Workers",
          columns: [
            "ID",
            "Language",
            "Topic",
            "Group",
            "Status",
            "Created",
            ...["Done", "Failed", "Retried", "Dead"].map((text) => ({ text, numeric: true as const })),
          ],
          items: app.workers,
          empty: "No workers yet: create one below.",
          row: (w) =>
            html`<tr
              class=${w.id === ui.selected ? "selected" : ""}
              data-worker=${w.id}
              data-language=${w.language}
              data-status=${w.status}
            >
              <td>
                <button
                  class="link"
                  title=${w.id}
                  aria-pressed=${w.id === ui.selected}
                  @click=${() => ((ui.selected = w.id), app.update())}
                >
                  ${short(w.id)}
                </button>
              </td>
              <td>${w.language}</td>
              <td>${w.topic}</td>
              <td>${w.group || "—"}</td>
              <td><span class="badge ${w.status.toLowerCase()}">${w.status}</span></td>
              <td>${clock(w.createdAt)}</td>
              <td class="num">${w.processed}</td>
              <td class="num">${w.failed}</td>
              <td class="num">${w.retried}</td>
              <td class="num">${w.deadLettered}</td>
            </tr>`,
        })}
        <form class="card" aria-label="Create a worker" @submit=${(e: Event) => (e.preventDefault(), void create(app))}>
          <h3>Create a worker</h3>
          <div class="row">
            <label
              >Language
              <select
                name="language"
                .value=${ui.language}
                @change=${(e: Event) => {
                  ui.language = value(e) as Language;
                  ui.code = SAMPLES[ui.language];
                  app.update();
                }}
              >
                <option value="python">Python</option>
                <option value="javascript">JavaScript</option>
              </select>
            </label>
            <label>Topic <input name="topic" required .value=${ui.topic} @input=${(e: Event) => (ui.topic = value(e))} /></label>
            <label
              >Group <input name="group" placeholder="(none)" .value=${ui.group} @input=${(e: Event) => (ui.group = value(e))}
            /></label>
          </div>
          <label
            >Code
            <textarea
              name="code"
              rows="7"
              spellcheck="false"
              .value=${ui.code}
              @input=${(e: Event) => (ui.code = value(e))}
            ></textarea>
          </label>
          <div class="row">
            <label
              >or a file <input type="file" accept=".py,.js,.mjs,.cjs,text/*" @change=${(e: Event) => readFile(e, app, "code")}
            /></label>
            <label class="check"
              ><input
                type="checkbox"
                .checked=${ui.startNow}
                @change=${(e: Event) => (ui.startNow = (e.target as HTMLInputElement).checked)}
              />
              start it</label
            >
            <button type="submit">Create</button>
          </div>
        </form>
        ${status.view()}
      </div>
      <aside class="detail" aria-label="Selected worker">${detail(app)}</aside>
    </div>
  `;
}
