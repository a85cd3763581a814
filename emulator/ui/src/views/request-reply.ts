/**
 * Request-reply: events that carry a `correlationid` and a `replytopic`, matched to the reply
 * published on that topic with the same correlation id, with the latency between them. A request
 * still unanswered when its time has passed (the SDK's default `publishWithResult` timeout, 30 s,
 * or what the person sets here) is flagged.
 */
import { html, nothing, type TemplateResult } from "lit-html";
import type { App } from "../app.js";
import { PAIR_BUFFER, type RequestReply } from "../feed.js";
import { clock, duration, short, showData } from "../format.js";

const ui = { timeoutMs: 30_000, timer: undefined as ReturnType<typeof setTimeout> | undefined };

function state(pair: RequestReply, now: number): "answered" | "waiting" | "unanswered" {
  if (pair.reply) return "answered";
  return now - Date.parse(pair.request.time) > ui.timeoutMs ? "unanswered" : "waiting";
}

/**
 * While a request is waiting, re-render when the next one's time passes (one timer, local
 * clock only: the server is not asked anything).
 */
function scheduleFlag(app: App, pairs: RequestReply[], now: number): void {
  const next = pairs
    .filter((p) => !p.reply)
    .map((p) => Date.parse(p.request.time) + ui.timeoutMs - now)
    .filter((ms) => ms >= 0)
    .sort((a, b) => a - b)[0];
  if (ui.timer !== undefined || next === undefined) return;
  ui.timer = setTimeout(() => {
    ui.timer = undefined;
    app.update();
  }, next + 20);
}

const preview = (bytes: Uint8Array) => {
  const text = showData(bytes).text.replace(/\s+/g, " ");
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
};

/** The Request-reply view. */
export function requestReplyView(app: App): TemplateResult {
  const now = Date.now();
  const pairs = [...app.feed.pairs.values()];
  scheduleFlag(app, pairs, now);
  const counts = { answered: 0, waiting: 0, unanswered: 0 };
  for (const p of pairs) counts[state(p, now)] += 1;
  return html`
    <div class="row">
      <label
        >Flag unanswered after (ms)
        <input
          type="number"
          min="100"
          step="100"
          .value=${String(ui.timeoutMs)}
          @change=${(e: Event) => ((ui.timeoutMs = Number((e.target as HTMLInputElement).value) || 30_000), app.update())}
        />
      </label>
      <p class="muted">
        ${counts.answered} answered, ${counts.waiting} waiting, ${counts.unanswered} unanswered (the page keeps the last
        ${PAIR_BUFFER} requests).
      </p>
    </div>
    <div class="scroll">
      <table class="grid" aria-label="Requests and replies">
        <thead>
          <tr>
            <th>Sent</th>
            <th>Correlation id</th>
            <th>Request topic</th>
            <th>Request</th>
            <th>Reply topic</th>
            <th>Reply</th>
            <th class="num">Latency</th>
            <th>State</th>
          </tr>
        </thead>
        <tbody>
          ${
            pairs.length === 0
              ? html`<tr>
                  <td colspan="8" class="muted">
                    No request with a correlationid and replytopic yet. Publish one from Events with "wait for a reply".
                  </td>
                </tr>`
              : nothing
          }
          ${pairs.reverse().map((p) => {
            const s = state(p, now);
            return html`<tr class=${s} data-correlation-id=${p.correlationId} data-state=${s}>
              <td>${clock(p.request.time)}</td>
              <td><code title=${p.correlationId}>${short(p.correlationId)}</code></td>
              <td>${p.request.topic}</td>
              <td class="clip">${preview(p.request.data)}</td>
              <td>${p.request.metadata["replytopic"] ?? ""}</td>
              <td class="clip">${p.reply ? preview(p.reply.data) : "—"}</td>
              <td class="num">${p.latencyMs !== undefined ? duration(p.latencyMs) : "—"}</td>
              <td><span class="badge ${s}">${s}</span></td>
            </tr>`;
          })}
        </tbody>
      </table>
    </div>
  `;
}
