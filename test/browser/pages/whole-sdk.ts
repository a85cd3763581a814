// Every export of the SDK's main entry, kept alive: whatever a page could reach is in the bundle.
import * as sdk from "@virtufin/sdk";

Object.assign(globalThis, { sdk });
