/**
 * The emulator's web UI: a header saying whether the platform answers, six views (Services,
 * Workers, Events, Request-reply, State, WebSocketManager) chosen by the URL's hash, and the
 * three live streams of the emulator-only InspectorService feeding them. Rendering is lit-html:
 * templates in plain TypeScript, re-rendered at most once per animation frame for what the
 * streams change, and at once for what a person's action changes.
 */
import { html, nothing, render, type TemplateResult } from "lit-html";
import type { App } from "./app.js";
import { EventFeed } from "./feed.js";
import { loadConfig, Session } from "./session.js";
import "./styles.css";
import { eventsView } from "./views/events.js";
import { requestReplyView } from "./views/request-reply.js";
import { servicesView } from "./views/services.js";
import { stateOnEvent, stateView } from "./views/state.js";
import { workersView } from "./views/workers.js";
import { connections, websocketsView } from "./views/websockets.js";

const VIEWS: Record<string, { title: string; view: (app: App) => TemplateResult }> = {
  services: { title: "Services", view: servicesView },
  workers: { title: "Workers", view: workersView },
  events: { title: "Events", view: eventsView },
  "request-reply": { title: "Request-reply", view: requestReplyView },
  state: { title: "State", view: stateView },
  websockets: { title: "WebSocketManager", view: websocketsView },
};

const root = document.getElementById("app")!;
const current = () => {
  const name = location.hash.replace(/^#\/?/, "");
  return name in VIEWS ? name : "workers";
};

let keyDraft = "";

function statusBanner(app: App): TemplateResult {
  const s = app.session;
  const text = {
    connecting: "Connecting to the emulator…",
    online: `Connected to ${s.baseUrl}`,
    offline: `The platform is gone: ${s.baseUrl} does not answer (${s.problem}). Retrying…`,
    unauthenticated: "The emulator requires an api key.",
  }[s.status];
  return html`<p class="platform ${s.status}" role="status" aria-live="polite" data-platform=${s.status}>${text}</p>`;
}

function apiKeyForm(app: App): TemplateResult | typeof nothing {
  if (app.session.status !== "unauthenticated") return nothing;
  return html`<form
    class="card apikey"
    aria-label="Api key"
    @submit=${(e: Event) => {
      e.preventDefault();
      app.session.setApiKey(keyDraft);
      keyDraft = "";
    }}
  >
    <p>${app.session.problem}. The key is kept in this page's memory only: reloading the page forgets it.</p>
    <div class="row">
      <label
        >Api key
        <input
          name="api-key"
          type="password"
          autocomplete="off"
          required
          .value=${keyDraft}
          @input=${(e: Event) => (keyDraft = (e.target as HTMLInputElement).value)}
      /></label>
      <button type="submit">Use key</button>
    </div>
  </form>`;
}

function page(app: App): TemplateResult {
  const name = current();
  return html`
    <a class="skip" href="#main">Skip to content</a>
    <header>
      <h1>Virtufin emulator</h1>
      <nav aria-label="Views">
        <ul>
          ${Object.entries(VIEWS).map(([key, v]) => html`<li><a href="#/${key}" aria-current=${key === name ? "page" : "false"}>${v.title}</a></li>`)}
        </ul>
      </nav>
    </header>
    ${statusBanner(app)} ${apiKeyForm(app)}
    <main id="main" tabindex="-1" data-view=${name}>
      <h2>${VIEWS[name]!.title}</h2>
      ${VIEWS[name]!.view(app)}
    </main>
  `;
}

async function start(): Promise<void> {
  const config = await loadConfig();
  let frame = 0;
  const draw = () => {
    cancelAnimationFrame(frame);
    frame = 0;
    render(page(app), root);
  };
  // What streams and answers change is drawn at most once per animation frame.
  const update = () => {
    if (frame === 0) frame = requestAnimationFrame(draw);
  };
  // What a person's action changes is drawn before the browser takes their next one: until the
  // next frame the page would still show the form of before, whose fields and handlers belong to
  // the state just replaced, so text typed at once (Edit, then typing) went to the discarded
  // edit and was lost, or was appended to the value the frame then drew (the State view saved
  // the old value, or the two run together). Handlers run on their elements, then this on the root.
  for (const type of ["click", "change", "input", "submit", "keydown"])
    root.addEventListener(type, () => {
      if (frame !== 0) draw();
    });
  root.replaceChildren(); // the static "Loading…" line; lit-html renders after what is there
  const session = new Session(config, update);
  const app: App = { session, feed: new EventFeed(), workers: [], update };

  session.watch(
    (signal) => session.inspector.watchEvents({}, { signal }),
    (event) => {
      app.feed.add(event);
      stateOnEvent(app, event);
      update();
    },
    // A dead letter keeps the ce-id of the event it carries: an event is its topic and id.
    (event) => `${event.topic}\n${event.id}`,
  );
  session.watch(
    (signal) => session.inspector.watchWorkers({}, { signal }),
    (workers) => ((app.workers = workers), update()),
  );
  session.watch(
    (signal) => session.inspector.watchConnections({}, { signal }),
    (list) => ((connections.list = list), update()),
  );
  addEventListener("hashchange", () => {
    draw();
    document.getElementById("main")?.focus();
  });
  update();
}

start().catch((error: unknown) => {
  render(
    html`<p class="error" role="alert">The UI could not start: ${error instanceof Error ? error.message : String(error)}</p>`,
    root,
  );
});
