/**
 * Events: every pub/sub, state and system event live (the inspector's event stream, which starts
 * with the emulator's recent history), filtered by service, topic, type and text, pausable, in a
 * bounded buffer; each event's CloudEvent attributes and data (JSON pretty-printed, bytes as hex);
 * dead-letter topics highlighted. A form publishes an event, optionally waiting for its reply.
 */
import { html, nothing, type TemplateResult } from "lit-html";
import type { WatchEventsResponse } from "@virtufin/sdk/gen/virtufin/emulator/v1/inspector_pb";
import type { EventData } from "@virtufin/sdk";
import type { App } from "../app.js";
import { EVENT_BUFFER } from "../feed.js";
import { clock, showData, showError, short } from "../format.js";

/** How many matching events are drawn at once (the newest). */
const SHOWN = 200;

const ui = {
  service: "",
  topic: "",
  type: "",
  text: "",
  paused: undefined as WatchEventsResponse[] | undefined,
  pausedAt: 0,
  open: new Set<string>(),
  publish: {
    topic: "ui-requests",
    data: '{ "hello": "from the UI" }',
    replyTopic: "ui-replies",
    wantReply: true,
    timeoutMs: 10_000,
  },
  outcome: "",
  error: "",
};

const value = (e: Event) => (e.target as HTMLInputElement).value;

function matches(event: WatchEventsResponse, text: string): boolean {
  if (ui.service && event.service !== ui.service) return false;
  if (ui.topic && event.topic !== ui.topic) return false;
  if (ui.type && event.eventType !== ui.type) return false;
  if (text === "") return true;
  const hay =
    `${event.topic} ${event.id} ${Object.values(event.metadata).join(" ")} ${new TextDecoder().decode(event.data)}`.toLowerCase();
  return hay.includes(text);
}

async function publish(app: App): Promise<void> {
  const p = ui.publish;
  ui.error = "";
  ui.outcome = "Publishing…";
  app.update();
  try {
    const data = JSON.parse(p.data) as EventData;
    if (p.wantReply) {
      const reply = await app.session.api.pubsub.publishWithResult({
        topic: p.topic,
        data,
        replyTopic: p.replyTopic,
        timeoutMs: p.timeoutMs,
      });
      ui.outcome = `Reply on "${reply.topic}" (correlation id ${reply.correlationId ?? "?"}): ${JSON.stringify(reply.dataAsJson())}`;
    } else {
      await app.session.api.pubsub.publish(p.topic, data);
      ui.outcome = `Published on "${p.topic}"`;
    }
  } catch (error) {
    app.session.noteFailure(error);
    ui.outcome = "";
    ui.error = error instanceof SyntaxError ? `The data is not JSON: ${error.message}` : showError(error);
  }
  app.update();
}

function eventRow(app: App, event: WatchEventsResponse): TemplateResult {
  const key = `${event.topic}\n${event.id}`; // dead letters keep their event's id
  const open = ui.open.has(key);
  const toggle = () => {
    if (open) ui.open.delete(key);
    else ui.open.add(key);
    app.update();
  };
  const data = open ? showData(event.data) : undefined;
  return html`<li
    class="event ${event.deadLetter ? "dead" : ""} type-${event.eventType}"
    data-topic=${event.topic}
    data-event-id=${event.id}
  >
    <button class="summary" aria-expanded=${open} @click=${toggle}>
      <span class="time">${clock(event.time)}</span>
      <span class="badge ${event.eventType}">${event.eventType}</span>
      <span class="topic">${event.topic}</span>${event.deadLetter ? html`<span class="badge dead">dead letter</span>` : nothing}
      <span class="muted">${event.metadata["ce-type"] ?? ""}</span>
      <span class="muted right">${event.service} · ${short(event.id)}</span>
    </button>
    ${
      open && data
        ? html`<div class="event-body">
            <table class="attrs" aria-label="CloudEvent attributes">
              ${Object.entries(event.metadata)
                .sort(([a], [b]) => a.localeCompare(b))
                .map(
                  ([k, v]) =>
                    html`<tr>
                      <th>${k}</th>
                      <td>${v}</td>
                    </tr>`,
                )}
            </table>
            <div>
              <span class="muted">data (${data.kind}, ${event.data.length} bytes)</span>
              <pre class="data">${data.text}</pre>
            </div>
          </div>`
        : nothing
    }
  </li>`;
}

/** The Events view. */
export function eventsView(app: App): TemplateResult {
  const all = ui.paused ?? app.feed.events;
  const services = [...new Set(app.feed.events.map((e) => e.service).filter((s) => s !== ""))].sort();
  const topics = [...new Set(app.feed.events.map((e) => e.topic))].sort();
  const text = ui.text.trim().toLowerCase();
  const matching = all.filter((e) => matches(e, text));
  const shown = matching.slice(-SHOWN).reverse();
  const select = (label: string, key: "service" | "topic" | "type", options: string[]) =>
    html`<label
      >${label}
      <select .value=${ui[key]} @change=${(e: Event) => ((ui[key] = value(e)), app.update())}>
        <option value="">any</option>
        ${options.map((o) => html`<option .value=${o} ?selected=${o === ui[key]}>${o}</option>`)}
      </select></label
    >`;
  return html`
    <form class="card" aria-label="Publish an event" @submit=${(e: Event) => (e.preventDefault(), void publish(app))}>
      <h3>Publish</h3>
      <div class="row">
        <label
          >Topic
          <input name="publish-topic" required .value=${ui.publish.topic} @input=${(e: Event) => (ui.publish.topic = value(e))}
        /></label>
        <label class="grow"
          >Data (JSON) <input name="publish-data" .value=${ui.publish.data} @input=${(e: Event) => (ui.publish.data = value(e))}
        /></label>
        <label class="check"
          ><input
            type="checkbox"
            name="want-reply"
            .checked=${ui.publish.wantReply}
            @change=${(e: Event) => ((ui.publish.wantReply = (e.target as HTMLInputElement).checked), app.update())}
          />
          wait for a reply on</label
        >
        <input
          aria-label="Reply topic"
          name="reply-topic"
          ?disabled=${!ui.publish.wantReply}
          .value=${ui.publish.replyTopic}
          @input=${(e: Event) => (ui.publish.replyTopic = value(e))}
        />
        <button type="submit">Publish</button>
      </div>
      <p class="status" role="status">${ui.outcome}</p>
      ${ui.error ? html`<p class="error" role="alert">${ui.error}</p>` : nothing}
    </form>
    <div class="row filters" role="group" aria-label="Filters">
      ${select("Service", "service", services)} ${select("Topic", "topic", topics)}
      ${select("Type", "type", ["pubsub", "state", "system"])}
      <label class="grow"
        >Text
        <input
          type="search"
          name="filter-text"
          placeholder="id, attribute or data"
          .value=${ui.text}
          @input=${(e: Event) => ((ui.text = value(e)), app.update())}
      /></label>
      <button
        aria-pressed=${ui.paused !== undefined}
        @click=${() => ((ui.paused = ui.paused ? undefined : [...app.feed.events]), (ui.pausedAt = app.feed.total), app.update())}
      >
        ${ui.paused ? "Resume" : "Pause"}
      </button>
    </div>
    <p class="muted" role="status">
      ${ui.paused ? html`<strong>Paused</strong> — ${app.feed.total - ui.pausedAt} newer not shown. ` : nothing}
      ${matching.length} matching of ${all.length} kept (the page keeps the last ${EVENT_BUFFER}; ${app.feed.dropped} dropped);
      newest first, ${Math.min(SHOWN, matching.length)} shown.
    </p>
    <ol class="events" aria-label="Events">
      ${shown.map((e) => eventRow(app, e))}
    </ol>
  `;
}
