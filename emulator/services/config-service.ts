/**
 * virtufin.Config: in-memory lookups over the services configuration.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  Config,
  ConfigServiceSchema,
  GetConfigServiceResponseSchema,
  ListConfigServicesResponseSchema,
  type ConfigService,
} from "@virtufin/sdk/gen/virtufin/config_pb";
import type { BackendConfig } from "../config/index.js";
import { PUBSUB_NAME } from "./context.js";
import { invalidArgument } from "./status.js";

function describe(backend: BackendConfig): ConfigService {
  return create(ConfigServiceSchema, {
    name: backend.name,
    daprAppId: backend.name,
    grpc: { host: backend.host, port: backend.port, reflectionEnabled: true },
    pubsub: { pubsubName: PUBSUB_NAME },
    state: { storeName: "statestore" },
  });
}

/** Creates the Config service over a (live) list of backends. */
export function createConfigService(backends: () => readonly BackendConfig[]): ServiceImpl<typeof Config> {
  return {
    listServices() {
      return create(ListConfigServicesResponseSchema, { services: backends().map(describe) });
    },
    getService(req) {
      if (req.name.trim() === "") throw invalidArgument("name must not be empty");
      const found = backends().find((b) => b.name === req.name);
      // An unknown name is NOT_FOUND, as a user of any gRPC API would expect.
      if (found === undefined) throw new ConnectError(`unknown service "${req.name}"`, Code.NotFound);
      return create(GetConfigServiceResponseSchema, { service: describe(found) });
    },
  };
}

export { Config };
