/**
 * HTTP/1.1 keep-alive after a refused request body. Connect stops reading a body it refuses
 * (a message above readMaxBytes) and Node then destroys the connection, but the response said
 * nothing about it: the client put the connection back in its pool and its next call on it
 * failed with ECONNRESET. Announcing `Connection: close` makes the client open a new one.
 */
import type * as http from "node:http";

/**
 * Makes `res` carry `Connection: close` when its head is written before the request body was
 * read to the end (so the connection cannot serve another request).
 */
export function closeIfBodyUnread(req: http.IncomingMessage, res: http.ServerResponse): void {
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with .apply(this), on the same response
  const writeHead = res.writeHead;
  res.writeHead = function (this: http.ServerResponse, ...args: unknown[]) {
    if (!req.complete && !this.headersSent) this.setHeader("connection", "close");
    return (writeHead as (...a: unknown[]) => http.ServerResponse).apply(this, args);
  };
}
