/**
 * Serving helpers shared by every emulator server: Connect over h2c or HTTP/1.1 with CORS, with
 * health, reflection and the api-key check built in.
 */
export {
  startGrpcServer,
  MAX_MESSAGE_BYTES,
  urlHost,
  type InProcessServer,
  type RunningServer,
  type ServiceRegistration,
  type StartServerOptions,
} from "./serve.js";
export { createApiKeyInterceptor, keyDigest, matchApiKey, API_KEY_HEADER, OPEN_SERVICES } from "./api-key.js";
export { applyCors, EXTRA_ALLOWED_HEADERS, type CorsOptions } from "./cors.js";
export { createHealthService, type HealthService } from "./health.js";
export {
  authorizeClient,
  certificateFingerprint,
  ownServerClientOptions,
  secureServerOptions,
  type ServerTlsOptions,
} from "./tls.js";
export { startUiServer, defaultUiDir, type RunningUiServer, type UiConfig, type UiServerOptions } from "./ui-server.js";
