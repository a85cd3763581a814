import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { Pubsub } from "../../generated/virtufin/pubsub_pb.js";
import { State } from "../../generated/virtufin/state_pb.js";
import { startEmulator, type Emulator } from "../../emulator/index.js";
import { collect, quiesce, dataJson, grpcClient, waitFor, waitForStreams } from "./helpers.js";

let emulator: Emulator;
let state: ReturnType<typeof grpcClient<typeof State>>;
let pubsub: ReturnType<typeof grpcClient<typeof Pubsub>>;

beforeAll(async () => {
  emulator = await startEmulator({ ports: 0, logLevel: "silent" });
  state = grpcClient(State, emulator.addresses.gateway.url);
  pubsub = grpcClient(Pubsub, emulator.addresses.gateway.url);
});
afterAll(() => emulator?.stop());
beforeEach(() => quiesce(emulator));

describe("State", () => {
  it("GetState of a missing key succeeds with empty value and etag", async () => {
    const res = await state.getState({ service: "svc", key: "missing" });
    expect(res).toMatchObject({ key: "missing", value: "", etag: "" });
  });

  it("etags: a write changes the etag; matching etag writes; stale etag is ABORTED; no etag wins", async () => {
    const ok = await state.saveState({ service: "svc", key: "k", value: "v1" });
    expect(ok.status).toMatchObject({ success: true, status: "OK" });
    const first = await state.getState({ service: "svc", key: "k" });
    expect(first.value).toBe("v1");
    expect(first.etag).not.toBe("");
    await state.saveState({ service: "svc", key: "k", value: "v2", etag: first.etag });
    const second = await state.getState({ service: "svc", key: "k" });
    expect(second.value).toBe("v2");
    expect(second.etag).not.toBe(first.etag);
    await expect(state.saveState({ service: "svc", key: "k", value: "v3", etag: first.etag })).rejects.toMatchObject({
      code: Code.Aborted,
    });
    expect((await state.getState({ service: "svc", key: "k" })).value).toBe("v2");
    await state.saveState({ service: "svc", key: "k", value: "v4" });
    expect((await state.getState({ service: "svc", key: "k" })).value).toBe("v4");
  });

  it("an etag on a key that does not exist is ABORTED (first-write concurrency)", async () => {
    await expect(state.saveState({ service: "svc", key: "fresh", value: "x", etag: "invented" })).rejects.toMatchObject({
      code: Code.Aborted,
    });
  });

  it("services are separate namespaces; GetAllState returns registered keys with values", async () => {
    await state.saveState({ service: "a", key: "one", value: "1" });
    await state.saveState({ service: "b", key: "one", value: "other" });
    await state.registerKeys({ service: "a", keys: ["two", "three"] });
    await state.saveState({ service: "a", key: "two", value: "2" });
    expect((await state.getAllState({ service: "a" })).values).toEqual({ one: "1", two: "2" });
    expect((await state.getAllState({ service: "b" })).values).toEqual({ one: "other" });
  });

  it("DeleteState removes the key; deleting again still succeeds", async () => {
    await state.saveState({ service: "del", key: "gone", value: "x" });
    expect((await state.deleteState({ service: "del", key: "gone" })).status?.success).toBe(true);
    expect((await state.getState({ service: "del", key: "gone" })).value).toBe("");
    expect((await state.deleteState({ service: "del", key: "gone" })).status?.success).toBe(true);
    expect((await state.getAllState({ service: "del" })).values).toEqual({});
  });

  it("empty service or key is INVALID_ARGUMENT", async () => {
    await expect(state.saveState({ service: "", key: "k", value: "v" })).rejects.toMatchObject({ code: Code.InvalidArgument });
    await expect(state.getState({ service: "s", key: " " })).rejects.toMatchObject({ code: Code.InvalidArgument });
  });

  it("publishes state-change events on state-changes, with the value only when asked", async () => {
    const before = emulator.activeStreams();
    const stream = collect((signal) => pubsub.subscribe({ topic: "state-changes" }, { signal }), 4);
    await waitForStreams(emulator, before + 1);
    await state.saveState({ service: "ev", key: "k", value: "secret-ish" });
    await state.saveState({ service: "ev", key: "k", value: "shown", includeValue: true });
    await state.deleteState({ service: "ev", key: "k", includeValue: true });
    await state.saveState({ service: "ev", key: "k2", value: "v" });
    await state.deleteState({ service: "ev", key: "k2" });
    await waitFor(() => stream.items.length >= 4, "four state-change events");
    stream.abort.abort();
    expect(stream.items.map((e) => dataJson(e.data))).toEqual([
      { service: "ev", key: "k", action: "save" },
      { service: "ev", key: "k", action: "save", value: "shown" },
      { service: "ev", key: "k", action: "delete", value: "shown" },
      { service: "ev", key: "k2", action: "save" },
    ]);
    expect(stream.items[0]?.metadata["ce-type"]).toBe("com.virtufin.state.save");
    expect(stream.items[0]?.topic).toBe("state-changes");
  });
});
