/**
 * `enableConnectProtocol()`: lets browser connections speak the Connect protocol
 * (`protocol: "connect"`). Browsers speak gRPC-Web by default, and the Connect protocol's
 * transport is left out of their bundles unless a page calls this, so that a page pays only for
 * the protocol it uses. In Node, where every protocol is built in, it does nothing.
 */
import { createConnectTransport } from "@connectrpc/connect-web";
import { registerConnectTransport } from "./web.js";

/** Enables `protocol: "connect"` in browsers (call once, before the first call); harmless elsewhere. */
export function enableConnectProtocol(): void {
  registerConnectTransport(createConnectTransport);
}
