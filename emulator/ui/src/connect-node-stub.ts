/**
 * Stands in for `@connectrpc/connect-node` in the browser bundle (see vite.config.ts): the page
 * only ever uses gRPC-Web over fetch, so reaching this module is a bug.
 */
const unavailable = (): never => {
  throw new Error("@connectrpc/connect-node is not available in the browser; use protocol grpc-web");
};

/** Never callable in the browser. */
export const createGrpcTransport = unavailable;
/** Never callable in the browser. */
export const createConnectTransport = unavailable;
/** Never callable in the browser. */
export const createGrpcWebTransport = unavailable;
/** Never constructible in the browser. */
export class Http2SessionManager {
  /** Throws: the page has no HTTP/2 client. */
  constructor() {
    unavailable();
  }
}
