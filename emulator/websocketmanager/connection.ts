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
import type { ResolvedWebSocketManagerOptions } from "./options.js";

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
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closedByUser = false;
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
      socket.send(payload, { binary: !text }, (err) => (err ? reject(new ConnectError(`Send failed: ${err.message}`, Code.Unavailable)) : resolve())),
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

  private open(): void {
    if (this.closedByUser) return;
    if (this.attempt === 0) this.setStatus("connecting", "connecting");
    let socket: WebSocket;
    try {
      socket = new WebSocket(this.url, { handshakeTimeout: this.options.connectTimeoutMs });
    } catch (err) {
      // ws rejects some URLs that URL parsing accepts; that is final, not worth a reconnect.
      const error = err instanceof Error ? err : new Error(String(err));
      this.events.lifecycle("error", { id: this.id, url: this.safeUrl, attempt: this.attempt, error: { type: error.name, message: error.message } });
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
    socket.on("error", (err) => {
      if (this.socket !== socket) return;
      // The platform's order: an error event precedes the status transition it causes.
      this.log.warn("websocket error", { id: this.id, url: this.safeUrl, error: err.message });
      this.events.lifecycle("error", { id: this.id, url: this.safeUrl, attempt: this.attempt, error: { type: err.name, message: err.message } });
      this.settleFirst(err);
    });
    socket.on("close", (code) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.failPending(new ConnectError("Websocket connection closed before the reply", Code.Unavailable));
      this.settleFirst(new Error(`closed with code ${code}`));
      this.onDropped();
    });
  }

  private onDropped(): void {
    if (this.closedByUser) return;
    const max = this.options.reconnectMaxAttempts;
    if (!this.autoReconnect || (max > 0 && this.attempt >= max)) {
      this.setStatus("disconnected", "disconnected");
      return;
    }
    this.attempt += 1;
    const delay = Math.min(this.options.reconnectBaseDelayMs * 2 ** (this.attempt - 1), this.options.reconnectMaxDelayMs);
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
    if (this.topic !== "") this.events.frame(this.topic, new Uint8Array(frame), { id: this.id, url: this.safeUrl }, this.contentType);
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
