/**
 * A streaming response whose client reset the stream while the handler was waiting to write.
 * connect-node's server waits for `drain` (or `error`) when a write is refused by HTTP/2 flow
 * control; a stream reset by the client (RST_STREAM CANCEL) emits neither, so the handler's
 * generator is never resumed: its deadline timer (a day for streams) and whatever it holds stay
 * forever. Clients that apply flow control (grpc-js, the SDK's `nodeTransport: "http2"`) hit
 * this every time they leave a busy stream early.
 */
import type * as http2 from "node:http2";

/**
 * When the request closes before the response has ended, wakes a writer waiting for `drain`:
 * its next write then fails on the closed stream and the handler ends (its signal is aborted).
 */
export function releaseBlockedWriteOnClose(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse): void {
  req.once("close", () => {
    if (!res.writableEnded) res.emit("drain");
  });
}
