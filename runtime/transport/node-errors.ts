/**
 * Turning what Node's HTTP/2 stack reports (socket errors, RST_STREAM codes, GOAWAY) into
 * Connect errors with the same codes `@connectrpc/connect-node` gives, so code that handles
 * errors (retries on UNAVAILABLE, cancellation) behaves alike on either transport.
 */
import { constants } from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";

/** Node error codes of a connection that could not be made: safe to retry. */
const UNAVAILABLE = new Set([
  "ECONNREFUSED",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ERR_HTTP2_GOAWAY_SESSION",
]);
/** Node error codes of a stream or connection that went away mid-call. */
const ABORTED = new Set(["ECONNRESET", "ERR_STREAM_DESTROYED", "ERR_HTTP2_INVALID_STREAM", "EPIPE"]);

const codesOf = (reason: unknown): string[] => {
  const codes: string[] = [];
  for (let e = reason, depth = 0; e instanceof Error && depth < 8; e = (e as Error & { cause?: unknown }).cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === "string") codes.push(code);
  }
  return codes;
};

/** A Connect error for a failure reported by Node (a ConnectError passes through unchanged). */
export function connectErrorFromNode(reason: unknown): ConnectError {
  if (reason instanceof ConnectError) return reason;
  const codes = codesOf(reason);
  const code = codes.some((c) => ABORTED.has(c))
    ? Code.Aborted
    : codes.some((c) => UNAVAILABLE.has(c))
      ? Code.Unavailable
      : Code.Internal;
  const error = ConnectError.from(reason, code);
  if (error !== reason) error.cause = reason;
  return error;
}

/** The error of a stream reset with `rstCode` by the server, or undefined for NO_ERROR. */
export function connectErrorFromRstCode(rstCode: number): ConnectError | undefined {
  if (rstCode === constants.NGHTTP2_NO_ERROR || rstCode === constants.NGHTTP2_STREAM_CLOSED) return undefined;
  const code =
    rstCode === constants.NGHTTP2_REFUSED_STREAM
      ? Code.Unavailable
      : rstCode === constants.NGHTTP2_CANCEL
        ? Code.Canceled
        : rstCode === constants.NGHTTP2_ENHANCE_YOUR_CALM
          ? Code.ResourceExhausted
          : rstCode === constants.NGHTTP2_INADEQUATE_SECURITY || rstCode === constants.NGHTTP2_HTTP_1_1_REQUIRED
            ? Code.PermissionDenied
            : Code.Internal;
  return new ConnectError(`http/2 stream closed with error code 0x${rstCode.toString(16)}`, code);
}
