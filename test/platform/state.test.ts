// State of the platform client against the emulator: values and etags, typed etag conflicts,
// the update loop under contention, JSON helpers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, EtagMismatchError, VirtufinError } from "../../runtime/errors.js";
import { startFixture, type EmulatorFixture } from "../support/emulator.js";

let fx: EmulatorFixture;
beforeAll(async () => {
  fx = await startFixture();
});
afterAll(() => fx.close());

describe("state", () => {
  it("saves, reads with an etag, lists registered keys and deletes", async () => {
    await fx.api.state.save("svc-a", "k1", "v1");
    const first = await fx.api.state.get("svc-a", "k1");
    expect(first.value).toBe("v1");
    expect(first.etag).not.toBe("");
    await fx.api.state.save("svc-a", "k1", "v2");
    const second = await fx.api.state.get("svc-a", "k1");
    expect(second.etag).not.toBe(first.etag);
    await fx.api.state.save("svc-a", "k2", "x");
    await fx.api.state.registerKeys("svc-a", ["k1", "k2", "never-saved"]);
    expect(await fx.api.state.getAll("svc-a")).toEqual({ k1: "v2", k2: "x" });
    await fx.api.state.delete("svc-a", "k2");
    await fx.api.state.delete("svc-a", "k2");
    expect(await fx.api.state.get("svc-a", "k2")).toEqual({ value: undefined, etag: "" });
  });

  it("reads a missing key as no value and no etag", async () => {
    expect(await fx.api.state.get("svc-a", "missing")).toEqual({ value: undefined, etag: "" });
  });

  it("tells an empty stored value from a missing key", async () => {
    await fx.api.state.save("svc-a", "empty", "");
    const read = await fx.api.state.get("svc-a", "empty");
    expect(read.value).toBe("");
    expect(read.etag).not.toBe("");
  });

  it("raises EtagMismatchError for a stale etag and applies a current one", async () => {
    await fx.api.state.save("svc-b", "k", "1");
    const { etag } = await fx.api.state.get("svc-b", "k");
    await fx.api.state.save("svc-b", "k", "2", { etag });
    const error = await fx.api.state.save("svc-b", "k", "3", { etag }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EtagMismatchError);
    expect((error as EtagMismatchError).code).toBe(Code.Aborted);
    expect((error as EtagMismatchError).key).toEqual({ service: "svc-b", key: "k" });
    expect((await fx.api.state.get("svc-b", "k")).value).toBe("2");
  });

  it("update() wins under contention: 30 concurrent increments end at exactly 30", async () => {
    await fx.api.state.save("svc-c", "counter", "0");
    await Promise.all(Array.from({ length: 30 }, () => fx.api.state.update("svc-c", "counter", (v) => String(Number(v) + 1))));
    expect((await fx.api.state.get("svc-c", "counter")).value).toBe("30");
  });

  it("update() gives up with a clear error after maxAttempts", async () => {
    await fx.api.state.save("svc-c", "contended", "0");
    let rounds = 0;
    const error = await fx.api.state
      .update(
        "svc-c",
        "contended",
        async (v) => {
          rounds++;
          await fx.api.state.save("svc-c", "contended", `other-${rounds}`); // someone else always wins
          return `${v}!`;
        },
        { maxAttempts: 3 },
      )
      .catch((e: unknown) => e);
    expect(rounds).toBe(3);
    expect((error as VirtufinError).code).toBe(Code.Aborted);
    expect((error as VirtufinError).message).toMatch(/gave up after 3 attempts/);
  });

  it("stores and updates JSON values", async () => {
    await fx.api.state.saveJson("svc-d", "doc", { count: 1, tags: ["a"] });
    expect((await fx.api.state.getJson<{ count: number }>("svc-d", "doc")).value).toEqual({ count: 1, tags: ["a"] });
    const next = await fx.api.state.updateJson<{ count: number; tags: string[] }>("svc-d", "doc", (d) => ({
      count: (d?.count ?? 0) + 1,
      tags: [...(d?.tags ?? []), "b"],
    }));
    expect(next).toEqual({ count: 2, tags: ["a", "b"] });
    await fx.api.state.save("svc-d", "not-json", "{nope");
    await expect(fx.api.state.getJson("svc-d", "not-json")).rejects.toMatchObject({ code: Code.InvalidArgument });
  });

  it("rejects empty service and key names with INVALID_ARGUMENT", async () => {
    await expect(fx.api.state.save("", "k", "v")).rejects.toMatchObject({ code: Code.InvalidArgument });
    await expect(fx.api.state.get("svc", " ")).rejects.toMatchObject({ code: Code.InvalidArgument });
  });
});
