/**
 * The `dapr-api-token` check of the emulated sidecar: enforced only when a token is configured;
 * health and reflection stay open, as the x-api-key check leaves them.
 */
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "../logger.js";
import { keyDigest, matchApiKey, OPEN_SERVICES } from "../server/index.js";
import { DAPR_API_TOKEN_HEADER } from "./options.js";

/**
 * Creates the interceptor. A missing or wrong token is UNAUTHENTICATED; neither the error nor
 * the log carries the token presented or expected.
 */
export function createDaprTokenInterceptor(token: string | undefined, log?: Logger): Interceptor {
  const keys = new Map(token ? [["dapr", keyDigest(token)] as const] : []);
  return (next) => async (req) => {
    if (keys.size === 0 || OPEN_SERVICES.has(req.service.typeName)) return next(req);
    const presented = req.header.get(DAPR_API_TOKEN_HEADER);
    if (!presented || matchApiKey(keys, presented) === undefined) {
      log?.warn(presented ? "call with a wrong dapr-api-token rejected" : "call without dapr-api-token rejected", {
        method: `${req.service.typeName}/${req.method.name}`,
      });
      throw new ConnectError(
        presented ? `invalid ${DAPR_API_TOKEN_HEADER}` : `missing ${DAPR_API_TOKEN_HEADER}`,
        Code.Unauthenticated,
      );
    }
    return next(req);
  };
}
