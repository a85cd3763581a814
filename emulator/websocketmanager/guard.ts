/**
 * The WebSocketManager's side of the SSRF guard (the WorkManager's code-URL guard, reused from
 * ../workmanager/address-guard.ts): each hop of a connection — the URL asked for and every
 * redirect — is judged before anything is sent (allow-list, private IP literals, private names),
 * and its name's addresses after DNS resolution, by the lookup the socket connects with.
 */
import type { LookupFunction } from "node:net";
import {
  guardedLookup,
  hostRefusal,
  PrivateAddressError,
  privateAllowed,
  type HostRefusal,
} from "../workmanager/address-guard.js";
import { redactUrl } from "./events.js";
import type { ResolvedWebSocketManagerOptions } from "./options.js";

/** Redirects followed per opening attempt, each judged on its own. */
export const MAX_WEBSOCKET_REDIRECTS = 5;

/** A target the guard refused: final, never retried (Connect answers INVALID_ARGUMENT). */
export class WebSocketRefusal extends Error {
  /** @param message what was refused and which option would allow it */
  constructor(message: string) {
    super(message);
    this.name = "WebSocketRefusal";
  }
}

function explain(url: URL, refusal: HostRefusal, options: ResolvedWebSocketManagerOptions): WebSocketRefusal {
  const where = redactUrl(url.href);
  switch (refusal.reason) {
    case "not-allowed":
      return new WebSocketRefusal(
        `WebSocket host "${refusal.host}" is not allowed (allowed: ${options.allowedHosts.join(", ") || "none"}; set the WebSocketManager option allowedHosts)`,
      );
    case "private-name":
      return new WebSocketRefusal(
        `WebSocket URL ${where} names the private host "${refusal.host}", which is refused (option allowPrivateHosts allows it)`,
      );
    case "private-address":
      return privateAddress(where, refusal.address);
  }
}

const privateAddress = (where: string, address: string) =>
  new WebSocketRefusal(
    `WebSocket URL ${where} resolves to the private address ${address}, which is refused (option allowPrivateHosts allows it)`,
  );

/** Judges one hop before connecting: the refusal, or the lookup to connect with. */
export function guardHop(
  url: URL,
  options: ResolvedWebSocketManagerOptions,
): { refusal: WebSocketRefusal } | { lookup: LookupFunction } {
  const policy = { allowedHosts: options.allowedHosts, allowPrivate: options.allowPrivateHosts };
  const refusal = hostRefusal(url, policy);
  if (refusal) return { refusal: explain(url, refusal, options) };
  return { lookup: guardedLookup(privateAllowed(url, options.allowPrivateHosts), options.resolve) };
}

/** The refusal a socket error stands for (a name that resolved to a private address), if any. */
export function refusalOf(url: URL, error: Error): WebSocketRefusal | undefined {
  // ws passes the lookup's error through the request's "error" event; look down the causes too.
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof PrivateAddressError) return privateAddress(redactUrl(url.href), e.address);
  }
  return undefined;
}

/**
 * The next hop of a redirect (`Location` resolved against the current URL, http(s) mapped to
 * ws(s)), or a refusal for anything that is not a WebSocket URL.
 */
export function redirectTarget(location: string, current: URL): URL | WebSocketRefusal {
  let next: URL;
  try {
    next = new URL(location, current);
  } catch {
    return new WebSocketRefusal(`WebSocket URL ${redactUrl(current.href)} redirects to an invalid URL`);
  }
  if (next.protocol === "http:") next.protocol = "ws:";
  else if (next.protocol === "https:") next.protocol = "wss:";
  if (next.protocol !== "ws:" && next.protocol !== "wss:") {
    return new WebSocketRefusal(
      `WebSocket URL ${redactUrl(current.href)} redirects to a ${next.protocol.replace(/:$/, "")} URL, which is refused`,
    );
  }
  next.hash = "";
  return next;
}
