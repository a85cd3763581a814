/**
 * Services: the Gateway's backends and their methods (ListServices, ListMethods), each method's
 * request and response fields (GetMethodSchema), and a unary call with a JSON editor through
 * `ApiClient.invoke` (Gateway.InvokeJson): the response, or the typed error with its code.
 */
import { html, nothing, type TemplateResult } from "lit-html";
import type { FieldSchema, MethodInfo, MethodSchema } from "@virtufin/sdk/gen/virtufin/gateway_pb";
import type { App } from "../app.js";
import { showError } from "../format.js";

const ui = {
  epoch: -1,
  services: [] as { name: string; methods: MethodInfo[] | undefined; error: string }[],
  selected: undefined as { service: string; method: MethodInfo; input?: MethodSchema; output?: MethodSchema } | undefined,
  request: "{}",
  result: "",
  error: "",
  busy: false,
};

function load(app: App): void {
  if (ui.epoch === app.session.epoch) return;
  ui.epoch = app.session.epoch;
  const api = app.session.api;
  api.listServices().then(
    async (names) => {
      ui.services = names.map((name) => ({ name, methods: undefined, error: "" }));
      app.update();
      await Promise.all(
        ui.services.map(async (s) => {
          try {
            s.methods = await api.listMethods(s.name);
          } catch (error) {
            s.error = showError(error);
          }
        }),
      );
      app.update();
    },
    (error: unknown) => app.session.noteFailure(error),
  );
}

/** A JSON skeleton of a message's fields, so the person edits rather than types it all. */
function skeleton(schema: MethodSchema | undefined): string {
  if (!schema) return "{}";
  const out: Record<string, unknown> = {};
  for (const f of schema.fields) {
    if (f.oneofGroup && !f.oneofCases.length) continue;
    const name = f.name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    out[name] = f.isRepeated
      ? []
      : f.type === "map"
        ? {}
        : f.type === "message"
          ? {}
          : f.type === "bool"
            ? false
            : f.type === "string" || f.type === "bytes" || f.type === "enum"
              ? ""
              : 0;
  }
  return JSON.stringify(out, null, 2);
}

async function select(app: App, service: string, method: MethodInfo): Promise<void> {
  ui.selected = { service, method };
  ui.result = "";
  ui.error = "";
  app.update();
  try {
    const [input, output] = await Promise.all([
      app.session.api.getMethodSchema(service, method.name, "input"),
      app.session.api.getMethodSchema(service, method.name, "output"),
    ]);
    if (ui.selected?.method !== method) return;
    ui.selected = { service, method, input, output };
    ui.request = skeleton(input);
  } catch (error) {
    app.session.noteFailure(error);
    ui.error = showError(error);
  }
  app.update();
}

async function call(app: App): Promise<void> {
  const sel = ui.selected;
  if (!sel) return;
  ui.result = "";
  ui.error = "";
  let request: unknown;
  try {
    request = JSON.parse(ui.request);
  } catch (error) {
    ui.error = `The request is not JSON: ${(error as Error).message}`;
    app.update();
    return;
  }
  ui.busy = true;
  app.update();
  try {
    const response = await app.session.api.invoke(sel.service, sel.method.name, request, { timeoutMs: 15_000 });
    ui.result = JSON.stringify(response, null, 2);
  } catch (error) {
    app.session.noteFailure(error);
    ui.error = showError(error);
  }
  ui.busy = false;
  app.update();
}

const fieldRow = (f: FieldSchema) =>
  html`<tr>
    <td><code>${f.name}</code></td>
    <td>${f.isRepeated ? "repeated " : ""}${f.type}${f.typeName ? html` <span class="muted">${f.typeName}</span>` : nothing}</td>
    <td>${f.oneofGroup ? html`oneof ${f.oneofGroup}` : f.isOptional ? "optional" : ""}</td>
  </tr>`;

const schemaTable = (label: string, schema: MethodSchema | undefined) =>
  html`<h4>
      ${label} <span class="muted">${schema ? (label === "Request" ? schema.inputTypeName : schema.outputTypeName) : "…"}</span>
    </h4>
    <div class="scroll">
      <table class="grid compact" aria-label=${`${label} fields`}>
        <tbody>
          ${
            schema?.fields.length
              ? schema.fields.map(fieldRow)
              : html`<tr>
                  <td class="muted">(no fields)</td>
                </tr>`
          }
        </tbody>
      </table>
    </div>`;

/** The Services view. */
export function servicesView(app: App): TemplateResult {
  load(app);
  const sel = ui.selected;
  return html`
    <div class="split">
      <nav class="main tree" aria-label="Services and methods">
        ${ui.services.length === 0 ? html`<p class="muted">Loading the Gateway's services…</p>` : nothing}
        ${ui.services.map(
          (s) =>
            html`<section class="service" data-service=${s.name}>
              <h3>${s.name}</h3>
              ${s.error ? html`<p class="error">${s.error}</p>` : nothing}
              <ul>
                ${(s.methods ?? []).map((m) => html`<li><button class="link ${sel?.method === m ? "selected" : ""}" aria-pressed=${sel?.method === m} data-method=${m.name} @click=${() => select(app, s.name, m)}>${m.name}</button>${m.isServerStreaming || m.isClientStreaming ? html` <span class="badge">stream</span>` : nothing}</li>`)}
              </ul>
            </section>`,
        )}
      </nav>
      <section class="detail" aria-label="Method">
        ${
          !sel
            ? html`<p class="muted">Choose a method to see its schema and call it.</p>`
            : html` <h3>${sel.service}.${sel.method.name}</h3>
                ${schemaTable("Request", sel.input)} ${schemaTable("Response", sel.output)}
                ${
                  sel.method.isServerStreaming || sel.method.isClientStreaming
                    ? html`<p class="muted">Streaming methods cannot be called through Gateway.InvokeJson.</p>`
                    : html`<form aria-label="Call the method" @submit=${(e: Event) => (e.preventDefault(), void call(app))}>
                        <label
                          >Request (proto JSON)
                          <textarea
                            name="request-json"
                            rows="8"
                            spellcheck="false"
                            .value=${ui.request}
                            @input=${(e: Event) => (ui.request = (e.target as HTMLTextAreaElement).value)}
                          ></textarea>
                        </label>
                        <button type="submit" ?disabled=${ui.busy}>${ui.busy ? "Calling…" : "Call"}</button>
                      </form>`
                }
                ${
                  ui.result
                    ? html`<h4>Response</h4>
                        <pre class="data response">${ui.result}</pre>`
                    : nothing
                }
                ${ui.error ? html`<p class="error" role="alert">${ui.error}</p>` : nothing}`
        }
      </section>
    </div>
  `;
}
