// The browser test page: the SDK and a generated pub/sub-bound client, bundled from the BUILT
// package (no shims) and put on `globalThis` for the tests' page.evaluate calls.
import * as sdk from "@virtufin/sdk";
import { TimeWorkerPubsubClient } from "../../../examples/custom-service/gen/acme/pricing/v1/pricing_client.js";

Object.assign(globalThis, { sdk, TimeWorkerPubsubClient });
document.body.dataset.ready = "true";
