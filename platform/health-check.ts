/**
 * The one call of `grpc.health.v1` that `ApiClient.health()` makes, `Health.Check`, described by
 * a trimmed copy of the standard schema: the generated one (`generated/grpc/health/v1/`) without
 * `Watch`. With the generated client, `Watch` and the enum's object, the standard schema costs
 * every browser page with an `ApiClient` about 0.1 KB gzipped more for this one call
 * (bench/bundle). `test/platform/health-check.test.ts` proves the copy is the standard schema
 * with `Watch` left out and nothing else changed, and the same on the wire.
 */
import { fileDesc, serviceDesc, type GenMessage, type GenService } from "@bufbuild/protobuf/codegenv2";
import type { HealthCheckRequest, HealthCheckResponse } from "../generated/grpc/health/v1/health_pb.js";

/** The trimmed schema, a serialized FileDescriptorProto (the test derives it from the standard one). */
export const HEALTH_CHECK_FILE =
  "ChtncnBjL2hlYWx0aC92MS9oZWFsdGgucHJvdG8SDmdycGMuaGVhbHRoLnYxIiUKEkhlYWx0aENoZWNrUmVxdWVzdBIPCgdzZXJ2aWNlGAEgASgJIqkBChNIZWFsdGhDaGVja1Jlc3BvbnNlEkEKBnN0YXR1cxgBIAEoDjIxLmdycGMuaGVhbHRoLnYxLkhlYWx0aENoZWNrUmVzcG9uc2UuU2VydmluZ1N0YXR1cyJPCg1TZXJ2aW5nU3RhdHVzEgsKB1VOS05PV04QABILCgdTRVJWSU5HEAESDwoLTk9UX1NFUlZJTkcQAhITCg9TRVJWSUNFX1VOS05PV04QAzJfCgZIZWFsdGgSVQoFQ2hlY2sSIi5ncnBjLmhlYWx0aC52MS5IZWFsdGhDaGVja1JlcXVlc3QaIy5ncnBjLmhlYWx0aC52MS5IZWFsdGhDaGVja1Jlc3BvbnNlIgOQAgFiBnByb3RvMw";

/** `grpc.health.v1.Health` with `Check` only. */
export const HealthCheckService: GenService<{
  check: { methodKind: "unary"; input: GenMessage<HealthCheckRequest>; output: GenMessage<HealthCheckResponse> };
}> = /*@__PURE__*/ serviceDesc(fileDesc(HEALTH_CHECK_FILE), 0);

/** The names of `HealthCheckResponse.ServingStatus`, by number (the enum's object is not needed for four names). */
export const SERVING_STATUS = ["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"] as const;
