// ApiClient against the emulator: discovery, JSON and raw dispatch, dynamic gateway proxies,
// health and the default client.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ListWorkersRequestSchema, ListWorkersResponseSchema } from "../../generated/virtufin/workmanager_pb.js";
import { ApiClient } from "../../platform/api-client.js";
import { Code, VirtufinError } from "../../runtime/errors.js";
import { startFixture, type EmulatorFixture } from "../support/emulator.js";

let fx: EmulatorFixture;
beforeAll(async () => {
  fx = await startFixture();
});
afterAll(() => fx.close());

const PY = 'def Process(event):\n    return {"type": "out", "source": "t", "data": event["data"]}\n';

describe("ApiClient", () => {
  it("defaults to localhost:5002", () => {
    const api = new ApiClient();
    expect(api.connection.baseUrl).toBe("http://localhost:5002");
  });

  it("lists services, methods and method schemas", async () => {
    expect(await fx.api.listServices()).toEqual(expect.arrayContaining(["workmanager", "websocketmanager"]));
    const methods = await fx.api.listMethods("workmanager");
    const create = methods.find((m) => m.name === "CreateWorker");
    expect(create?.fullName).toBe("virtufin.WorkManager.CreateWorker");
    expect(create?.inputType).toBe("virtufin.CreateWorkerRequest");
    const schema = await fx.api.getMethodSchema("workmanager", "CreateWorker");
    expect(schema.fields.map((f) => f.name)).toEqual(["code_source", "mime_type", "topic", "group"]);
  });

  it("invokes a backend with JSON and with raw bytes", async () => {
    const created = await fx.api.invoke<{ id: string }>("workmanager", "CreateWorker", {
      code_source: { content: Buffer.from(PY).toString("base64") },
      mime_type: "text/x-python",
      topic: "api-client-topic",
    });
    expect(created.id).toMatch(/[0-9a-f-]{36}/);
    const listed = await fx.api.invoke<{ workers: { id: string }[] }>("workmanager", "ListWorkers");
    expect(listed.workers.map((w) => w.id)).toContain(created.id);
    const raw = await fx.api.invokeRaw(
      "workmanager",
      "ListWorkers",
      toBinary(ListWorkersRequestSchema, create(ListWorkersRequestSchema)),
    );
    expect(fromBinary(ListWorkersResponseSchema, raw).workers.map((w) => w.id)).toContain(created.id);
    await fx.api.invoke("workmanager", "DeleteWorker", { id: created.id });
  });

  it("turns in-band failures into typed errors with their status code", async () => {
    const unknownMethod = await fx.api.invoke("workmanager", "NoSuchMethod").catch((e: unknown) => e);
    expect(unknownMethod).toBeInstanceOf(VirtufinError);
    expect([Code.NotFound, Code.Unimplemented]).toContain((unknownMethod as VirtufinError).code);
    const missing = await fx.api
      .invoke("workmanager", "DeleteWorker", { id: "00000000-0000-0000-0000-000000000000" })
      .catch((e: unknown) => e);
    expect((missing as VirtufinError).code).toBe(Code.NotFound);
    const unknownService = await fx.api.invoke("nope", "X").catch((e: unknown) => e);
    expect(unknownService).toBeInstanceOf(VirtufinError);
    expect((unknownService as VirtufinError).code).not.toBe(Code.Unknown);
  });

  it("dispatches dynamically in the seed's attribute style and by name", async () => {
    const wm = fx.api.gateway.workmanager;
    const { id } = (await wm.CreateWorker({
      code_source: { content: Buffer.from(PY).toString("base64") },
      mime_type: "text/x-python",
      topic: "dynamic-topic",
    })) as { id: string };
    await wm.StartWorker({ id });
    const { workers } = (await fx.api.gateway.service("workmanager").call("ListWorkers")) as {
      workers: { id: string; status: string }[];
    };
    expect(workers.find((w) => w.id === id)?.status).toBe("WORKER_STATUS_RUNNING");
    await wm.DeleteWorker({ id });
  });

  it("never makes a gateway proxy thenable", async () => {
    const proxy = await fx.api.gateway.workmanager; // eslint-disable-line @typescript-eslint/await-thenable -- the point: awaiting it must give it back
    expect(proxy).toBe(fx.api.gateway.workmanager);
    expect(await fx.api.gateway).toBe(fx.api.gateway); // eslint-disable-line @typescript-eslint/await-thenable -- the point: awaiting it must give it back
    expect(JSON.stringify({ p: fx.api.gateway.workmanager })).toBe('{"p":{"serviceName":"workmanager"}}');
  });

  it("reports health through grpc.health.v1", async () => {
    expect(await fx.api.health()).toBe("SERVING");
    expect(await fx.api.health("virtufin.Gateway")).toBe("SERVING");
  });

  it("keeps a default client that can be set and read", async () => {
    const mine = new ApiClient({ host: "127.0.0.1", port: fx.emulator.addresses.gateway.port });
    ApiClient.setDefault(mine);
    expect(ApiClient.getDefault()).toBe(mine);
    expect(await ApiClient.getDefault().listServices()).toContain("workmanager");
    await mine.close();
    expect(ApiClient.getDefault()).not.toBe(mine);
    ApiClient.setDefault(undefined);
  });
});
