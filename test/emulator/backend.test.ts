import { describe, expect, it } from "vitest";
import {
  createMemoryPubsubBackend,
  createMemoryStateBackend,
  EtagMismatch,
  type BusEvent,
} from "../../emulator/backend/index.js";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (event: BusEvent) => new TextDecoder().decode(event.data);
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("memory pub/sub backend", () => {
  it("fills ce-id, ce-time and ce-specversion and keeps given attributes", async () => {
    const bus = createMemoryPubsubBackend();
    const event = await bus.publish("t", bytes("x"), { "ce-type": "my.type", "ce-id": "fixed" });
    expect(event.id).toBe("fixed");
    expect(event.metadata["ce-type"]).toBe("my.type");
    expect(event.metadata["ce-specversion"]).toBe("1.0");
    expect(Number.isNaN(Date.parse(event.time))).toBe(false);
    const generated = await bus.publish("t", bytes("y"), {});
    expect(generated.id).toMatch(/^[0-9a-f-]{36}$/);
    await bus.close();
  });

  it("fans out every event to every plain subscriber and the * subscriber, in order", async () => {
    const bus = createMemoryPubsubBackend();
    const a: string[] = [];
    const b: string[] = [];
    const all: string[] = [];
    bus.subscribe("t", (e) => void a.push(text(e)));
    const sb = bus.subscribe("t", (e) => void b.push(text(e)));
    bus.subscribe("*", (e) => void all.push(`${e.topic}:${text(e)}`));
    await bus.publish("t", bytes("1"), {});
    await bus.publish("other", bytes("2"), {});
    sb.close();
    sb.close();
    await bus.publish("t", bytes("3"), {});
    expect(a).toEqual(["1", "3"]);
    expect(b).toEqual(["1"]);
    expect(all).toEqual(["t:1", "other:2", "t:3"]);
    await bus.close();
  });

  it("a failing listener does not stop delivery to others", async () => {
    const bus = createMemoryPubsubBackend();
    const got: string[] = [];
    bus.subscribe("t", () => {
      throw new Error("boom");
    });
    bus.subscribe("t", async () => Promise.reject(new Error("async boom")));
    bus.subscribe("t", (e) => void got.push(text(e)));
    await bus.publish("t", bytes("1"), {});
    await tick();
    expect(got).toEqual(["1"]);
    await bus.close();
  });

  it("queue members compete: each event goes to exactly one, round robin among ready ones", async () => {
    const bus = createMemoryPubsubBackend();
    const seen: Record<string, string[]> = { a: [], b: [], c: [] };
    for (const name of ["a", "b", "c"]) bus.subscribe("jobs", (e) => void seen[name]!.push(text(e)), { queue: "g" });
    for (let i = 0; i < 6; i++) await bus.publish("jobs", bytes(String(i)), {});
    await tick();
    expect(seen.a!.length + seen.b!.length + seen.c!.length).toBe(6);
    expect(seen.a!.length).toBe(2);
    expect(seen.b!.length).toBe(2);
    expect(new Set([...seen.a!, ...seen.b!, ...seen.c!]).size).toBe(6);
    await bus.close();
  });

  it("one in-flight event per queue member; others wait buffered until it acknowledges", async () => {
    const bus = createMemoryPubsubBackend();
    const got: string[] = [];
    let release: () => void = () => {};
    let inFlight = 0;
    let maxInFlight = 0;
    bus.subscribe(
      "jobs",
      async (e) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        got.push(text(e));
        await new Promise<void>((resolve) => (release = resolve));
        inFlight--;
      },
      { queue: "g" },
    );
    for (const n of ["1", "2", "3"]) await bus.publish("jobs", bytes(n), {});
    await tick();
    expect(got).toEqual(["1"]);
    for (let i = 0; i < 3; i++) {
      release();
      await tick();
    }
    expect(got).toEqual(["1", "2", "3"]);
    expect(maxInFlight).toBe(1);
    await bus.close();
  });

  it("buffers events of a group with no member and delivers them when one joins; the buffer is bounded", async () => {
    const bus = createMemoryPubsubBackend({ maxQueueBuffer: 2 });
    const first = bus.subscribe("jobs", () => {}, { queue: "g" });
    first.close();
    for (const n of ["1", "2", "3"]) await bus.publish("jobs", bytes(n), {});
    const got: string[] = [];
    bus.subscribe("jobs", (e) => void got.push(text(e)), { queue: "g" });
    await tick();
    expect(got).toEqual(["2", "3"]);
    await bus.close();
  });

  it("each queue group and each plain subscriber gets its own copy", async () => {
    const bus = createMemoryPubsubBackend();
    const got: string[] = [];
    bus.subscribe("t", () => void got.push("g1"), { queue: "g1" });
    bus.subscribe("t", () => void got.push("g2"), { queue: "g2" });
    bus.subscribe("t", () => void got.push("plain"));
    await bus.publish("t", bytes("x"), {});
    await tick();
    expect(got.sort()).toEqual(["g1", "g2", "plain"]);
    expect(() => bus.subscribe("*", () => {}, { queue: "q" })).toThrow();
    await bus.close();
  });
});

describe("memory state backend", () => {
  it("etags: new per write, matching etag writes, stale etag throws, no etag wins", async () => {
    const state = createMemoryStateBackend();
    expect(await state.get("svc", "k")).toBeUndefined();
    await expect(state.set("svc", "k", "v0", "made-up")).rejects.toBeInstanceOf(EtagMismatch);
    const first = await state.set("svc", "k", "v1");
    const second = await state.set("svc", "k", "v2", first.etag);
    expect(second.etag).not.toBe(first.etag);
    await expect(state.set("svc", "k", "v3", first.etag)).rejects.toBeInstanceOf(EtagMismatch);
    await state.set("svc", "k", "v4");
    expect((await state.get("svc", "k"))?.value).toBe("v4");
    expect(await state.get("other", "k")).toBeUndefined();
    await state.close();
  });

  it("concurrent writes with one etag: exactly one wins", async () => {
    const state = createMemoryStateBackend();
    const { etag } = await state.set("svc", "k", "v");
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => state.set("svc", "k", String(i), etag)));
    expect(results.filter((r) => r.status === "fulfilled").length).toBe(1);
    await state.close();
  });

  it("getAll returns registered keys with values; delete returns the entry", async () => {
    const state = createMemoryStateBackend();
    await state.set("svc", "a", "1");
    await state.registerKeys("svc", ["b", "c"]);
    await state.set("svc", "b", "2");
    expect(Object.fromEntries(await state.getAll("svc"))).toEqual({ a: "1", b: "2" });
    expect((await state.delete("svc", "a"))?.value).toBe("1");
    expect(await state.delete("svc", "a")).toBeUndefined();
    expect(Object.fromEntries(await state.getAll("svc"))).toEqual({ b: "2" });
    await state.close();
  });
});
