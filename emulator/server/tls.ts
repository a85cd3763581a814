/**
 * TLS for the emulator's servers: server options (HTTP/2 with ALPN h2, or HTTPS for the
 * HTTP/1.1 gRPC-Web server), optional client certificates, and the one internal client — the
 * Gateway dialling the emulator's own WorkManager and WebSocketManager — which pins the server's
 * own certificate instead of trusting a CA the emulator may not have been given.
 */
import { X509Certificate } from "node:crypto";
import type { SecureClientSessionOptions } from "node:http2";
import { connect as tlsConnect, type TLSSocket, type TlsOptions } from "node:tls";

/** TLS settings of the emulator's servers (PEM text or bytes). */
export interface ServerTlsOptions {
  /** The server certificate (PEM; may be followed by its intermediates). */
  readonly cert: string | Uint8Array;
  /** The server's private key (PEM). */
  readonly key: string | Uint8Array;
  /** The CA(s) client certificates must chain to (PEM); required with `requireClientCert`. */
  readonly ca?: string | Uint8Array;
  /** Require a client certificate issued by `ca` on every connection (mutual TLS). */
  readonly requireClientCert?: boolean;
}

const pem = (value: string | Uint8Array) => (typeof value === "string" ? value : Buffer.from(value));

/** The SHA-256 fingerprint of the first certificate of a PEM chain; throws a clear error when unreadable. */
export function certificateFingerprint(cert: string | Uint8Array): string {
  try {
    return new X509Certificate(pem(cert)).fingerprint256;
  } catch (err) {
    throw new Error(`tls.cert is not a readable PEM certificate: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

/**
 * Options for `http2.createSecureServer` / `https.createServer`. With `requireClientCert` the
 * handshake asks for a certificate but does not reject by itself (`rejectUnauthorized: false`):
 * {@link authorizeClient} decides per request, so that the emulator's own certificate is
 * accepted for the Gateway's internal calls besides certificates issued by `ca`, and a client
 * without one gets a clear UNAUTHENTICATED rather than a cut connection.
 */
export function secureServerOptions(tls: ServerTlsOptions, alpn: "h2" | "http/1.1"): TlsOptions {
  if (tls.requireClientCert && tls.ca === undefined)
    throw new Error("tls.requireClientCert needs tls.ca, the CA client certificates are checked against");
  certificateFingerprint(tls.cert);
  return {
    cert: pem(tls.cert),
    key: pem(tls.key),
    ...(tls.ca !== undefined ? { ca: pem(tls.ca) } : {}),
    ALPNProtocols: [alpn],
    minVersion: "TLSv1.2",
    ...(tls.requireClientCert ? { requestCert: true, rejectUnauthorized: false } : {}),
  };
}

/**
 * With `requireClientCert`, returns the check to run on every request's socket: true when the
 * client presented a certificate issued by `ca`, or the server's own certificate (which only
 * the holder of the server's key can present). Otherwise undefined (nothing to check).
 */
export function authorizeClient(tls: ServerTlsOptions): ((socket: TLSSocket) => boolean) | undefined {
  if (!tls.requireClientCert) return undefined;
  const own = certificateFingerprint(tls.cert);
  return (socket) => socket.authorized || socket.getPeerCertificate()?.fingerprint256 === own;
}

/**
 * HTTP/2 client options for the emulator dialling its own TLS servers: it presents the server
 * certificate (accepted by {@link authorizeClient}) and accepts exactly that certificate back,
 * so no CA is needed and nothing else is trusted.
 */
export function ownServerClientOptions(tls: ServerTlsOptions): SecureClientSessionOptions {
  const own = certificateFingerprint(tls.cert);
  return {
    createConnection: (authority: URL) => {
      const socket = tlsConnect({
        host: authority.hostname.replace(/^\[|\]$/g, ""),
        port: Number(authority.port),
        ALPNProtocols: ["h2"],
        cert: pem(tls.cert),
        key: pem(tls.key),
        // Chain and name checks are replaced by pinning the exact certificate below.
        rejectUnauthorized: false,
      });
      socket.once("secureConnect", () => {
        if (socket.getPeerCertificate()?.fingerprint256 !== own)
          socket.destroy(new Error("the emulator's own server presented another certificate"));
      });
      return socket;
    },
  };
}
