// The browser test page: the SDK and a generated pub/sub-bound client, bundled from the BUILT
// package (no shims) and put on `globalThis` for the tests' page.evaluate calls.
import * as sdk from "@virtufin/sdk";
import { TimeWorkerPubsubProxy } from "../../../examples/custom-service/gen/acme/pricing/v1/pricing_client.js";

/**
 * What the page's `globalThis` holds for the tests' page.evaluate calls: the SDK and the
 * generated client this module puts there, and the slots the tests fill in themselves (clients
 * to close after each test, and a subscription kept running across evaluate calls).
 */
export interface PageGlobals {
  sdk: typeof sdk;
  TimeWorkerPubsubProxy: typeof TimeWorkerPubsubProxy;
  opened?: sdk.ApiClient[];
  received?: number[];
  reconnects?: number;
  controller?: AbortController;
  api?: sdk.ApiClient;
  done?: Promise<string>;
}

Object.assign(globalThis, { sdk, TimeWorkerPubsubProxy });
document.body.dataset.ready = "true";
