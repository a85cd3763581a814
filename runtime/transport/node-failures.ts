/**
 * Transport failures of Node's HTTP/2 and TLS stacks that gRPC reports as UNAVAILABLE but
 * connect-node as INTERNAL. Kept beside the Node transport (which registers it with
 * `VirtufinError.from`) so that browser bundles, which never see these failures, do not carry it.
 */
import { Code, type ConnectError } from "@connectrpc/connect";

/** TLS verification and handshake failures, by Node's error codes. */
const TLS_FAILURE =
  /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT$|SELF_SIGNED_CERT_IN_CHAIN$|HOSTNAME_MISMATCH$)/;

/**
 * True for an HTTP/2 stream the server refused (REFUSED_STREAM: not processed, as when the
 * server is going away) and for a failed TLS handshake (untrusted certificate, wrong host name),
 * so that safe calls are retried and callers see one code for "could not reach the service".
 */
export function unavailableInNode(error: ConnectError): boolean {
  if (error.code !== Code.Internal) return false;
  for (let cause: unknown = error.cause, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
    const code = (cause as { code?: unknown }).code;
    if (code === "ERR_HTTP2_STREAM_ERROR" && cause.message.includes("NGHTTP2_REFUSED_STREAM")) return true;
    if (typeof code === "string" && TLS_FAILURE.test(code)) return true;
  }
  return false;
}
