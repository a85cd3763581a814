/**
 * The block the list views share (Workers, WebSocketManager, State): a table of what the emulator
 * has, kept live, with a line saying so when it is empty, and under it the outcome of the last
 * action taken on it (its progress, or its typed error).
 */
import { html, nothing, type TemplateResult } from "lit-html";
import type { App } from "../app.js";
import { showError } from "../format.js";

/** A column heading; numeric columns are right-aligned. */
export type Column = string | { readonly text: string; readonly numeric: true };

/** What {@link liveTable} shows. */
export interface LiveTableOptions<T> {
  /** The table's accessible name. */
  readonly label: string;
  /** The headings, one a column. */
  readonly columns: readonly Column[];
  /** The items, one a row. */
  readonly items: readonly T[];
  /** What the table says when there are no items. */
  readonly empty: string | TemplateResult;
  /** The row of one item. */
  readonly row: (item: T) => TemplateResult;
}

/** A scrolling table of live items, with a line saying so when there are none. */
export function liveTable<T>(options: LiveTableOptions<T>): TemplateResult {
  const { columns, items } = options;
  return html`<div class="scroll">
    <table class="grid" aria-label=${options.label}>
      <thead>
        <tr>
          ${columns.map((c) => (typeof c === "string" ? html`<th>${c}</th>` : html`<th class="num">${c.text}</th>`))}
        </tr>
      </thead>
      <tbody>
        ${
          items.length === 0
            ? html`<tr>
                <td colspan=${columns.length} class="muted">${options.empty}</td>
              </tr>`
            : nothing
        }
        ${items.map(options.row)}
      </tbody>
    </table>
  </div>`;
}

/** The outcome of a view's actions: what is under way or done, or why it failed. */
export class ActionStatus {
  /** What is under way or was done (a status line). */
  message = "";
  /** Why the last action failed (an alert), or "". */
  error = "";

  /**
   * Runs an action, saying `what…` while it runs, `what: done` after, or its typed error (a
   * failure also reaches the session, which notices a platform gone or a key refused).
   */
  async act(app: App, what: string, fn: () => Promise<unknown>): Promise<void> {
    this.message = `${what}…`;
    this.error = "";
    app.update();
    try {
      await fn();
      this.message = `${what}: done`;
    } catch (error) {
      this.fail(app, error, `${what} failed: `);
    }
    app.update();
  }

  /** Shows a failure (after `prefix`) and reports it to the session. */
  fail(app: App, error: unknown, prefix: string): void {
    app.session.noteFailure(error);
    this.message = "";
    this.error = `${prefix}${showError(error)}`;
  }

  /** The status line and, after a failure, the alert. */
  view(): TemplateResult {
    return html`<p class="status" role="status">${this.message}</p>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}`;
  }
}
