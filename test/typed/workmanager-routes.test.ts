/**
 * One suite of WorkManager calls, written once against the generated `WorkManagerApi`, run
 * against the direct client (gRPC to the WorkManager) and the typed gateway proxy
 * (`new WorkManagerGatewayProxy(api)`, carried by `Gateway.InvokeJson`); both must give the same results,
 * errors and their codes included.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WorkManagerClient, WorkManagerGatewayProxy, type WorkManagerApi } from "../../generated/virtufin/workmanager_client.js";
import { WorkerStatus, type WorkerInfo } from "../../generated/virtufin/workmanager_pb.js";
import { VirtufinError } from "../../runtime/errors.js";
import { startFixture, type EmulatorFixture } from "../support/emulator.js";

const PY_V1 = 'def Process(event):\n    return {"type": "out", "source": "v1", "data": event["data"]}\n';
const PY_V2 = 'def Process(event):\n    return {"type": "out", "source": "v2", "data": event["data"]}\n';
const MISSING = "00000000-0000-0000-0000-000000000000";

let fx: EmulatorFixture;
let direct: WorkManagerClient;
beforeAll(async () => {
  fx = await startFixture();
  const { host, port } = fx.emulator.addresses.workmanager;
  direct = new WorkManagerClient({ host, port });
});
afterAll(async () => {
  await direct?.close();
  await fx?.close();
});

/** A call's error as `CODE: message`, so both routes can be compared. */
async function codeOf(call: Promise<unknown>): Promise<string> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the call should have failed").toBeInstanceOf(VirtufinError);
  return (error as VirtufinError).codeName;
}

/** A worker as the suite compares it: no id or time, which differ between runs. */
function view(w: WorkerInfo | undefined): unknown {
  return w && { topic: w.topic, group: w.group, mimeType: w.mimeType, language: w.language, status: WorkerStatus[w.status] };
}

/** The suite: every WorkManager call through `route`; returns what it saw. */
async function suite(route: WorkManagerApi, topic: string): Promise<unknown[]> {
  const seen: unknown[] = [];
  const id = await route.createWorker({
    codeSource: { content: new TextEncoder().encode(PY_V1) },
    mimeType: "text/x-python",
    topic,
    group: "routes",
  });
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  const mine = async () => (await route.listWorkers()).find((w) => w.id === id);
  seen.push(["created", view(await mine())]);
  await route.startWorker(id);
  seen.push(["started", view(await mine())]);
  await route.startWorker({ id }, { timeoutMs: 5_000 }); // idempotent, request-object form
  await route.loadCodeFromContent(id, new TextEncoder().encode(PY_V2));
  const history = await route.getWorkerHistory(id);
  seen.push([
    "history",
    history.map((h) =>
      new TextDecoder().decode(h.codeSource?.source.case === "content" ? h.codeSource.source.value : new Uint8Array()),
    ),
  ]);
  await route.stopWorker(id);
  seen.push(["stopped", view(await mine())]);
  await route.deleteWorker(id);
  seen.push(["deleted", view(await mine())]);
  seen.push(["delete missing", await codeOf(route.deleteWorker(MISSING))]);
  seen.push(["start missing", await codeOf(route.startWorker({ id: MISSING }))]);
  seen.push(["history of missing", await codeOf(route.getWorkerHistory(MISSING))]);
  seen.push([
    "empty MIME type",
    await codeOf(route.createWorker({ codeSource: { content: new TextEncoder().encode(PY_V1) }, mimeType: "" })),
  ]);
  seen.push(["relative URL", await codeOf(route.createWorker({ codeSource: { url: "worker.py" }, mimeType: "text/x-python" }))]);
  seen.push(["recovered", typeof (await route.recoverWorkers())]);
  return seen;
}

describe("one WorkManager suite, two routes", () => {
  const results = new Map<string, unknown[]>();

  it("direct client (gRPC to the WorkManager)", async () => {
    results.set("direct", await suite(direct, "routes-topic"));
  });

  it("typed gateway proxy (new WorkManagerGatewayProxy(api), Gateway.InvokeJson)", async () => {
    results.set("proxy", await suite(new WorkManagerGatewayProxy(fx.api), "routes-topic"));
  });

  it("both routes saw the same results, which are the expected ones", () => {
    const expected = [
      ["created", { topic: "routes-topic", group: "routes", mimeType: "text/x-python", language: "Python", status: "STOPPED" }],
      ["started", { topic: "routes-topic", group: "routes", mimeType: "text/x-python", language: "Python", status: "RUNNING" }],
      ["history", [PY_V1, PY_V2]],
      ["stopped", { topic: "routes-topic", group: "routes", mimeType: "text/x-python", language: "Python", status: "STOPPED" }],
      ["deleted", undefined],
      ["delete missing", "NOT_FOUND"],
      ["start missing", "NOT_FOUND"],
      ["history of missing", "NOT_FOUND"],
      ["empty MIME type", "INVALID_ARGUMENT"],
      ["relative URL", "INVALID_ARGUMENT"],
      ["recovered", "number"],
    ];
    expect(results.get("direct")).toEqual(expected);
    expect(results.get("proxy")).toEqual(results.get("direct"));
  });
});

describe("typed gateway proxies", () => {
  it("the generated proxy on an ApiClient, and the seed's PascalCase style (api.gateway.workmanager) next to it", async () => {
    const workmanager = new WorkManagerGatewayProxy(fx.api);
    const id = await workmanager.createWorker({
      codeSource: { content: new TextEncoder().encode(PY_V1) },
      mimeType: "text/x-python",
      topic: "t",
    });
    const typed = await workmanager.listWorkers();
    expect(typed.find((w) => w.id === id)?.status).toBe(WorkerStatus.STOPPED);
    const dynamic = (await fx.api.gateway.workmanager.ListWorkers()) as { workers: { id: string; status: string }[] };
    expect(dynamic.workers.find((w) => w.id === id)?.status).toBe("WORKER_STATUS_STOPPED");
    await fx.api.gateway.workmanager.DeleteWorker({ id });
    expect((await workmanager.listWorkers()).some((w) => w.id === id)).toBe(false);
  });

  it("the default backend comes from the proto; another name can be given", async () => {
    expect(WorkManagerGatewayProxy.gatewayName).toBe("workmanager");
    expect(await new WorkManagerGatewayProxy(fx.api).listWorkers()).toEqual(await direct.listWorkers());
    const elsewhere = new WorkManagerGatewayProxy(fx.api, "no-such-backend");
    const code = await codeOf(elsewhere.listWorkers());
    expect(code).not.toBe("UNKNOWN");
    expect(code).not.toBe("OK");
  });

  it("unknown backend names still dispatch dynamically", async () => {
    const error = await fx.api.gateway
      .service("nope")
      .call("X")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VirtufinError);
  });
});
