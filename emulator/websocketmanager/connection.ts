/**
 * One managed outbound WebSocket (the `ws` package): opening, auto-reconnect with exponential
 * backoff, publishing inbound frames, raw sends, and correlated request-reply.
 *
 * Correlation: Send prefixes its payload with a 16-byte binary UUID and always sends a binary
 * frame (the prefix is not text); an inbound frame starting with a pending request's 16 bytes is
 * that request's reply (prefix stripped) and is not published.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { randomUUID } from "node:crypto";
import WebSocket, { type RawData } from "ws";
import type { Logger } from "../logger.js";
import { redactUrl, type ConnectionState, type WsmEvents } from "./events.js";
import { guardHop, MAX_WEBSOCKET_REDIRECTS, redirectTarget, refusalOf, WebSocketRefusal } from "./guard.js";
import type { ResolvedWebSocketManagerOptions } from "./options.js";
import { backoffDelay } from "@virtufin/sdk/internal";

/** The status strings the platform reports. */
export type ConnectionStatus = "connecting" | "connected" | "reconnecting" | "disconnected";

interface Pending {
  resolve(reply: Uint8Array): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

const CORRELATION_BYTES = 16;

/** One connection and everything it does. */
export class ManagedConnection {
  /** Current status. */
  status: ConnectionStatus = "connecting";
  /** The topic inbound frames are published to, or "". */
  topic = "";
  /** The content type of the last frame received. */
  contentType = "";
  /** Tags. */
  tags: Map<string, string>;
  /** How many times the connection was reopened after a drop (for the emulator's inspector). */
  reconnects = 0;
  /** Frames received (for the emulator's inspector). */
  framesReceived = 0;
  /** The URL without credentials or secret query values, for logs and events. */
  readonly safeUrl: string;
  private socket: WebSocket | undefined;
  private attempt = 0;
  /** Sockets whose handshake failure was reported already (by "unexpected-response"). */
  private readonly reported = new WeakSet<WebSocket>();
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closedByUser = false;
  /** Set once the address guard refused a hop: the connection is over, never retried. */
  private refused = false;
  private readonly pending = new Map<string, Pending>();
  private firstSettled = false;
  private resolveFirst!: (error: Error | undefined) => void;
  /** Settles with the outcome of the first opening attempt (undefined = opened). */
  readonly firstOutcome = new Promise<Error | undefined>((resolve) => (this.resolveFirst = resolve));

  /** Creates the connection and starts opening it. */
  constructor(
    readonly id: string,
    readonly url: string,
    readonly autoReconnect: boolean,
    tags: Map<string, string>,
    private readonly events: WsmEvents,
    private readonly options: ResolvedWebSocketManagerOptions,
    private readonly log: Logger,
  ) {
    this.tags = tags;
    this.safeUrl = redactUrl(url);
    this.open();
  }

  /** Closes the socket for good (no reconnect) and fails pending sends. */
  disconnect(): void {
    if (this.closedByUser) return;
    this.closedByUser = true;
    clearTimeout(this.reconnectTimer);
    this.failPending(new ConnectError("Websocket was disconnected", Code.Unavailable));
    const socket = this.socket;
    this.socket = undefined;
    if (socket) {
      if (socket.readyState === WebSocket.OPEN) socket.close(1000, "disconnect");
      else socket.terminate();
    }
    this.settleFirst(new Error("disconnected"));
    this.setStatus("disconnected", "disconnected");
  }

  /** Sends one frame: text for `text/*` and `application/json`, else binary. */
  async sendRaw(payload: Uint8Array, contentType: string): Promise<void> {
    const socket = this.openSocket();
    const type = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
    const text = type.startsWith("text/") || type === "application/json";
    await new Promise<void>((resolve, reject) =>
      socket.send(payload, { binary: !text }, (err) =>
        err ? reject(new ConnectError(`Send failed: ${err.message}`, Code.Unavailable)) : resolve(),
      ),
    );
  }

  /** Sends `payload` with a correlation prefix and resolves with the correlated reply. */
  async send(payload: Uint8Array, timeoutMs: number): Promise<Uint8Array> {
    const socket = this.openSocket();
    const prefix = Buffer.from(randomUUID().replace(/-/g, ""), "hex");
    const key = prefix.toString("hex");
    const reply = new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(key);
        reject(new ConnectError("Request timeout", Code.DeadlineExceeded));
      }, timeoutMs);
      this.pending.set(key, { resolve, reject, timer });
    });
    socket.send(Buffer.concat([prefix, payload]), { binary: true }, (err) => {
      const waiting = this.pending.get(key);
      if (err && waiting) {
        this.pending.delete(key);
        clearTimeout(waiting.timer);
        waiting.reject(new ConnectError(`Send failed: ${err.message}`, Code.Unavailable));
      }
    });
    return reply;
  }

  private openSocket(): WebSocket {
    const socket = this.socket;
    if (this.status !== "connected" || !socket || socket.readyState !== WebSocket.OPEN) {
      throw new ConnectError("Websocket is not connected", Code.FailedPrecondition);
    }
    return socket;
  }

  /**
   * Opens one attempt at `target` (the URL, or a redirect's next hop). Every hop passes the
   * address guard first; redirects are followed here, not by ws, so that each is judged.
   */
  private open(target = new URL(this.url), hops = 0): void {
    if (this.closedByUser) return;
    if (this.attempt === 0 && hops === 0) this.setStatus("connecting", "connecting");
    const guard = guardHop(target, this.options);
    if ("refusal" in guard) return this.refuse(guard.refusal);
    let socket: WebSocket;
    try {
      socket = new WebSocket(target, {
        handshakeTimeout: this.options.connectTimeoutMs,
        lookup: guard.lookup,
        followRedirects: false,
      });
    } catch (err) {
      // ws rejects some URLs that URL parsing accepts; that is final, not worth a reconnect.
      const error = err instanceof Error ? err : new Error(String(err));
      this.events.lifecycle("error", {
        id: this.id,
        url: this.safeUrl,
        attempt: this.attempt,
        error: { type: error.name, message: error.message },
      });
      this.settleFirst(error);
      this.setStatus("disconnected", "disconnected");
      return;
    }
    this.socket = socket;
    socket.on("open", () => {
      if (this.socket !== socket) return;
      if (this.attempt > 0) this.reconnects += 1;
      this.attempt = 0;
      this.setStatus("connected", "connected");
      this.settleFirst(undefined);
    });
    socket.on("message", (data, isBinary) => {
      if (this.socket === socket) this.onFrame(data, isBinary);
    });
    socket.on("unexpected-response", (request, response) => {
      if (this.socket !== socket) return;
      response.resume();
      const location = response.headers.location;
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && location) {
        const next =
          hops >= MAX_WEBSOCKET_REDIRECTS
            ? new Error(`more than ${MAX_WEBSOCKET_REDIRECTS} redirects`)
            : redirectTarget(location, target);
        if (next instanceof URL) {
          // This socket is done with (its events are ignored from now on); the next hop is judged anew.
          this.socket = undefined;
          request.destroy();
          socket.terminate();
          this.open(next, hops + 1);
          return;
        }
        if (next instanceof WebSocketRefusal) {
          this.socket = undefined;
          request.destroy();
          socket.terminate();
          this.refuse(next);
          return;
        }
        this.onSocketError(next);
      } else {
        this.onSocketError(new Error(`Unexpected server response: ${status}`));
      }
      // ws leaves the handshake to this listener: end it; its close event then reconnects or not.
      this.reported.add(socket);
      socket.terminate();
    });
    socket.on("error", (err) => {
      if (this.socket !== socket) return;
      const refusal = refusalOf(target, err);
      if (refusal) {
        this.socket = undefined;
        this.refuse(refusal);
        return;
      }
      // The error of a handshake already reported by "unexpected-response".
      if (this.reported.has(socket)) return;
      this.onSocketError(err);
    });
    socket.on("close", (code) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.failPending(new ConnectError("Websocket connection closed before the reply", Code.Unavailable));
      this.settleFirst(new Error(`closed with code ${code}`));
      this.onDropped();
    });
  }

  /** Reports a socket failure: an error event precedes the status transition it causes (the platform's order). */
  private onSocketError(err: Error): void {
    this.log.warn("websocket error", { id: this.id, url: this.safeUrl, error: err.message });
    this.events.lifecycle("error", {
      id: this.id,
      url: this.safeUrl,
      attempt: this.attempt,
      error: { type: err.name, message: err.message },
    });
    this.settleFirst(err);
  }

  /** Ends the connection for good after the address guard refused a hop: no reconnect can help. */
  private refuse(refusal: WebSocketRefusal): void {
    this.refused = true;
    clearTimeout(this.reconnectTimer);
    this.log.warn("websocket target refused", { id: this.id, url: this.safeUrl, reason: refusal.message });
    this.events.lifecycle("error", {
      id: this.id,
      url: this.safeUrl,
      attempt: this.attempt,
      error: { type: refusal.name, message: refusal.message },
    });
    this.failPending(new ConnectError(refusal.message, Code.Unavailable));
    this.settleFirst(refusal);
    this.setStatus("disconnected", "disconnected");
  }

  private onDropped(): void {
    if (this.closedByUser || this.refused) return;
    const max = this.options.reconnectMaxAttempts;
    if (!this.autoReconnect || (max > 0 && this.attempt >= max)) {
      this.setStatus("disconnected", "disconnected");
      return;
    }
    this.attempt += 1;
    const delay = backoffDelay(this.attempt, {
      initialMs: this.options.reconnectBaseDelayMs,
      maxMs: this.options.reconnectMaxDelayMs,
      jitter: "none",
    });
    this.log.info("websocket dropped; reconnecting", { id: this.id, attempt: this.attempt, delayMs: delay });
    this.setStatus("reconnecting", "reconnecting");
    this.reconnectTimer = setTimeout(() => this.open(), delay);
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    const frame = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    this.framesReceived += 1;
    if (frame.length >= CORRELATION_BYTES && this.pending.size > 0) {
      const key = frame.subarray(0, CORRELATION_BYTES).toString("hex");
      const waiting = this.pending.get(key);
      if (waiting) {
        this.pending.delete(key);
        clearTimeout(waiting.timer);
        waiting.resolve(new Uint8Array(frame.subarray(CORRELATION_BYTES)));
        return;
      }
    }
    this.contentType = isBinary ? "application/octet-stream" : "text/plain";
    if (this.topic !== "")
      this.events.frame(this.topic, new Uint8Array(frame), { id: this.id, url: this.safeUrl }, this.contentType);
  }

  private setStatus(status: ConnectionStatus, event: ConnectionState): void {
    this.status = status;
    this.events.lifecycle(event, { id: this.id, url: this.safeUrl, attempt: this.attempt });
  }

  private settleFirst(error: Error | undefined): void {
    if (this.firstSettled) return;
    this.firstSettled = true;
    this.resolveFirst(error);
  }

  private failPending(error: Error): void {
    for (const waiting of this.pending.values()) {
      clearTimeout(waiting.timer);
      waiting.reject(error);
    }
    this.pending.clear();
  }
}
