/** The inspector's event history: the last N bus events, oldest first, and live listeners. */
import { describe, expect, it } from "vitest";
import { createMemoryPubsubBackend } from "../../emulator/backend/index.js";
import { EventHistory } from "../../emulator/inspector/index.js";

const text = new TextEncoder();

describe("EventHistory", () => {
  it("keeps the last events in publish order once it wraps around, and tells listeners of each", async () => {
    const backend = createMemoryPubsubBackend();
    const history = new EventHistory(backend, 3);
    const heard: string[] = [];
    history.listen((event) => heard.push(event.topic));
    try {
      for (let i = 1; i <= 2; i++) await backend.publish(`t${i}`, text.encode(String(i)), {});
      expect(history.recent().map((e) => e.topic)).toEqual(["t1", "t2"]);
      for (let i = 3; i <= 7; i++) await backend.publish(`t${i}`, text.encode(String(i)), {});
      expect(history.recent().map((e) => e.topic)).toEqual(["t5", "t6", "t7"]);
      expect(heard).toEqual(["t1", "t2", "t3", "t4", "t5", "t6", "t7"]);
    } finally {
      history.close();
      await backend.close();
    }
  });
});
