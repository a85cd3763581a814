/**
 * `grpc.health.v1.Health` for one server: every hosted service (and the server as a whole, the
 * empty name) is SERVING until the server shuts down, then NOT_SERVING.
 */
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { Health, HealthCheckResponseSchema, HealthCheckResponse_ServingStatus } from "@virtufin/sdk/gen/grpc/health/v1/health_pb";

/** A health service and the switch that marks it as shutting down. */
export interface HealthService {
  /** The implementation to serve. */
  readonly impl: ServiceImpl<typeof Health>;
  /** Marks every service NOT_SERVING and ends every Watch stream after telling it so. */
  shutdown(): void;
}

/** Creates the health service of a server hosting `serviceNames` (fully-qualified). */
export function createHealthService(serviceNames: readonly string[]): HealthService {
  const known = new Set(["", ...serviceNames]);
  let serving = true;
  const watchers = new Set<() => void>();
  const status = () => (serving ? HealthCheckResponse_ServingStatus.SERVING : HealthCheckResponse_ServingStatus.NOT_SERVING);
  const impl: ServiceImpl<typeof Health> = {
    check(request) {
      if (!known.has(request.service)) throw new ConnectError(`unknown service "${request.service}"`, Code.NotFound);
      return create(HealthCheckResponseSchema, { status: status() });
    },
    async *watch(request, context) {
      // Per the health protocol, Watch of an unknown service reports SERVICE_UNKNOWN instead of
      // failing, because the service may appear later.
      if (!known.has(request.service)) {
        yield create(HealthCheckResponseSchema, { status: HealthCheckResponse_ServingStatus.SERVICE_UNKNOWN });
      } else {
        yield create(HealthCheckResponseSchema, { status: status() });
      }
      if (!serving) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          watchers.delete(done);
          context.signal.removeEventListener("abort", done);
          resolve();
        };
        watchers.add(done);
        context.signal.addEventListener("abort", done);
      });
      // Woken by shutdown (not by the client leaving): say so before the stream ends.
      if (!serving && known.has(request.service)) yield create(HealthCheckResponseSchema, { status: status() });
    },
  };
  return {
    impl,
    shutdown() {
      serving = false;
      for (const wake of [...watchers]) wake();
    },
  };
}
