// ApiClient.health() calls grpc.health.v1's Check through a trimmed copy of the standard schema
// (platform/health-check.ts, for browser bundle size). Proven here: the copy is the generated
// standard schema with Watch left out and nothing else changed; it is the same on the wire, in
// binary and in JSON, both ways; and health() maps every serving status a real server answers.
import { clone, create, fromBinary, fromJson, toBinary, toJson } from "@bufbuild/protobuf";
import { base64Decode } from "@bufbuild/protobuf/wire";
import { FileDescriptorProtoSchema, type FileDescriptorProto } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  file_grpc_health_v1_health,
  Health,
  HealthCheckRequestSchema,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus,
} from "../../generated/grpc/health/v1/health_pb.js";
import { ApiClient } from "../../platform/api-client.js";
import { HEALTH_CHECK_FILE, HealthCheckService, SERVING_STATUS } from "../../platform/health-check.js";
import { VirtufinError } from "../../runtime/errors.js";
import { startTestServer, type TestServer } from "../support/connect-server.js";

/** The generated standard schema, trimmed by rule: what the copy must be, byte for byte. */
function trimmedStandard(): FileDescriptorProto {
  const standard = clone(FileDescriptorProtoSchema, file_grpc_health_v1_health.proto);
  const service = standard.service[0]!;
  expect(service.method.map((m) => m.name)).toEqual(["Check", "Watch"]);
  service.method = service.method.filter((m) => m.name === "Check");
  return standard;
}

describe("the trimmed grpc.health.v1 schema of ApiClient.health()", () => {
  it("is the generated standard schema without Watch", () => {
    // As loaded (json names restored, as for the standard one), and as committed.
    const loaded = HealthCheckService.file.proto;
    expect(toBinary(FileDescriptorProtoSchema, loaded)).toEqual(toBinary(FileDescriptorProtoSchema, trimmedStandard()));
    expect(fromBinary(FileDescriptorProtoSchema, base64Decode(HEALTH_CHECK_FILE)).service[0]!.method).toHaveLength(1);
  });

  it("keeps Check's idempotency, so that it is retried as the generated client's is", () => {
    expect(HealthCheckService.method.check.idempotency).toBe(Health.method.check.idempotency);
  });

  it("calls the same method path as the generated client", () => {
    const check = HealthCheckService.method.check;
    expect([check.parent.typeName, check.name, check.methodKind]).toEqual([
      Health.typeName,
      Health.method.check.name,
      Health.method.check.methodKind,
    ]);
    expect(check.input.typeName).toBe(HealthCheckRequestSchema.typeName);
    expect(check.output.typeName).toBe(HealthCheckResponseSchema.typeName);
  });

  it("is the same on the wire as the standard schema, in binary and JSON, both ways", () => {
    const { input, output } = HealthCheckService.method.check;
    for (const service of ["", "virtufin.Gateway", "ü/with spaces"]) {
      const standard = create(HealthCheckRequestSchema, { service });
      const trimmed = create(input, { service });
      expect(toBinary(input, trimmed)).toEqual(toBinary(HealthCheckRequestSchema, standard));
      expect(toJson(input, trimmed)).toEqual(toJson(HealthCheckRequestSchema, standard));
    }
    for (const status of [0, 1, 2, 3]) {
      const standard = create(HealthCheckResponseSchema, { status });
      expect(fromBinary(output, toBinary(HealthCheckResponseSchema, standard)).status).toBe(status);
      expect(fromJson(output, toJson(HealthCheckResponseSchema, standard)).status).toBe(status);
      const trimmed = create(output, { status });
      expect(fromBinary(HealthCheckResponseSchema, toBinary(output, trimmed)).status).toBe(status);
      expect(fromJson(HealthCheckResponseSchema, toJson(output, trimmed)).status).toBe(status);
    }
  });

  it("names the statuses as the standard enum does", () => {
    SERVING_STATUS.forEach((name, number) => expect(HealthCheckResponse_ServingStatus[number]).toBe(name));
    expect(Object.keys(HealthCheckResponse_ServingStatus).filter((k) => Number.isNaN(Number(k)))).toHaveLength(
      SERVING_STATUS.length,
    );
  });
});

describe("ApiClient.health() against a real grpc.health.v1 server", () => {
  let server: TestServer;
  let api: ApiClient;
  const statuses = new Map<string, number>([
    ["", HealthCheckResponse_ServingStatus.SERVING],
    ["down", HealthCheckResponse_ServingStatus.NOT_SERVING],
    ["unknown", HealthCheckResponse_ServingStatus.UNKNOWN],
    ["later", HealthCheckResponse_ServingStatus.SERVICE_UNKNOWN],
    ["future", 7],
  ]);
  beforeAll(async () => {
    // The standard generated schema on the server side: what any gRPC server speaks.
    server = await startTestServer((router) =>
      router.service(Health, {
        check(request) {
          const status = statuses.get(request.service);
          if (status === undefined) throw new ConnectError(`unknown service "${request.service}"`, Code.NotFound);
          return create(HealthCheckResponseSchema, { status });
        },
        // eslint-disable-next-line require-yield -- the client never watches
        async *watch() {
          throw new ConnectError("not used", Code.Unimplemented);
        },
      }),
    );
    api = new ApiClient({ baseUrl: server.baseUrl });
  });
  afterAll(async () => {
    await api.close();
    await server.close();
  });

  it("maps every serving status, and a status it does not know to UNKNOWN", async () => {
    expect(await api.health()).toBe("SERVING");
    expect(await api.health("down")).toBe("NOT_SERVING");
    expect(await api.health("unknown")).toBe("UNKNOWN");
    expect(await api.health("later")).toBe("SERVICE_UNKNOWN");
    expect(await api.health("future")).toBe("UNKNOWN");
  });

  it("reports a failed check as a typed error", async () => {
    const error = await api.health("nope").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VirtufinError);
    expect(error).toMatchObject({ code: Code.NotFound });
  });
});
