/**
 * The golden `pubsub-binding` clients over a real emulator: requests really travel on the topics
 * the proto's options and their defaults name, with the CloudEvent type, source and `replytopic`
 * of the binding; methods sharing a topic are told apart by type; an empty reply resolves to
 * void; a streaming method of a bound service is not on its pub/sub proxy.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ClockPubsubBinding,
  ClockPubsubProxy,
  OddPubsubBinding,
  OddPubsubProxy,
  QuotesPubsubProxy,
  serveClock,
  serveOdd,
  serveQuotes,
} from "../golden/pubsub-binding/expected/bind/v1/bound_client.js";
import type { PubsubEvent } from "../../platform/pubsub/event.js";
import { type Runner } from "../../runtime/runners/runner.js";
import { startFixture, type EmulatorFixture } from "../support/emulator.js";

let fx: EmulatorFixture;
let quotesResponder: Runner;
beforeAll(async () => {
  fx = await startFixture();
  quotesResponder = serveQuotes(fx.api, {
    getQuote: (request) => ({ symbol: request.symbol, price: 10 * request.quantity }),
    getPrice: (request) => ({ price: request.symbol.length }),
    refresh: (request) => ({ symbol: `${request.symbol}!`, price: 1 }),
  });
  await quotesResponder.startup();
});
afterAll(async () => {
  await quotesResponder?.shutdown();
  await fx?.close();
});

/** Runs `call` while watching `topic`; returns the call's result and the first event seen there. */
async function watching<T>(topic: string, call: () => Promise<T>): Promise<{ result: T; event: PubsubEvent }> {
  const controller = new AbortController();
  const stream = await fx.api.pubsub.subscribeReady(topic, { signal: controller.signal });
  try {
    const result = await call();
    const iterator = stream[Symbol.asyncIterator]();
    const timer = setTimeout(() => controller.abort(), 5_000);
    const next = await iterator.next();
    clearTimeout(timer);
    expect(next.done, `an event on "${topic}"`).toBe(false);
    return { result, event: next.value as PubsubEvent };
  } finally {
    controller.abort();
  }
}

describe("generated request-reply with the binding's topics", () => {
  it("service defaults: topic, reply topic, type and source derived from the full name", async () => {
    const clock = serveClock(fx.api, {
      getTime: (request) => ({ iso: "2020-01-01T00:00:00Z", zone: request.zone }),
      ping: () => ({}),
    });
    await clock.startup();
    try {
      const client = new ClockPubsubProxy(fx.api);
      const { result, event } = await watching("bind-v1-clock-requests", () =>
        client.getTime({ zone: "UTC" }, { timeoutMs: 10_000 }),
      );
      expect({ iso: result.iso, zone: result.zone }).toEqual({ iso: "2020-01-01T00:00:00Z", zone: "UTC" });
      expect(event.type).toBe("bind.v1.Clock.GetTime");
      expect(event.source).toBe("urn:bind.v1.Clock");
      expect(event.replyTopic).toBe("bind-v1-clock-requests-replies");
      expect(event.correlationId).toMatch(/[0-9a-f-]{36}/);
      expect(event.dataAsJson()).toEqual({ zone: "UTC" });
      // An empty reply message resolves to void.
      expect(await client.ping(undefined, { timeoutMs: 10_000 })).toBeUndefined();
      expect(ClockPubsubBinding.methods["Ping"]).toEqual({
        topic: "bind-v1-clock-requests",
        replyTopic: "bind-v1-clock-requests-replies",
        type: "bind.v1.Clock.Ping",
      });
    } finally {
      await clock.shutdown();
    }
  });

  it("explicit topics: requests on the service's topic, replies on its reply topic", async () => {
    const client = new QuotesPubsubProxy(fx.api);
    const { result, event } = await watching("quotes-out", () =>
      client.getQuote({ symbol: "X", quantity: 3 }, { timeoutMs: 10_000 }),
    );
    expect(result.price).toBe(30);
    expect(event.type).toBe("bind.v1.Quotes.GetQuote.reply");
    expect(event.dataAsJson()).toEqual({ symbol: "X", price: 30 });
  });

  it('a per-method topic: GetPrice requests go to "prices", with the service\'s source', async () => {
    const client = new QuotesPubsubProxy(fx.api);
    const { result, event } = await watching("prices", () => client.getPrice({ symbol: "ABCD" }, { timeoutMs: 10_000 }));
    expect(result).toBe(4);
    expect(event.type).toBe("bind.v1.Quotes.GetPrice");
    expect(event.source).toBe("urn:acme:quotes");
    expect(event.replyTopic).toBe("quotes-out");
  });

  it("a per-method type and reply topic on the shared topic: the responder tells methods apart by type", async () => {
    const client = new QuotesPubsubProxy(fx.api);
    const { result, event } = await watching("quotes-refreshed", () => client.refresh({ symbol: "Y" }, { timeoutMs: 10_000 }));
    expect({ symbol: result.symbol, price: result.price }).toEqual({ symbol: "Y!", price: 1 });
    expect(event.type).toBe("acme.quotes.refresh.reply");
    // GetQuote shares the topic "quotes" and still reaches its own method.
    expect((await client.getQuote({ symbol: "Z", quantity: 1 }, { timeoutMs: 10_000 })).price).toBe(10);
  });

  it("RPCs named __proto__, Then and ToString are routed as their own methods", async () => {
    expect(Object.keys(OddPubsubBinding.methods)).toEqual(["__proto__", "Then", "ToString"]);
    const calls: string[] = [];
    const odd = serveOdd(fx.api, {
      // A computed key, so the object literal gets an own property, not a prototype.
      ["__proto__"]: () => (calls.push("__proto__"), {}),
      then: () => (calls.push("then"), {}),
      // protobuf-es's local name; the client method is toString_().
      toString$: () => (calls.push("toString"), {}),
    });
    await odd.startup();
    try {
      const client = new OddPubsubProxy(fx.api);
      await client.proto({}, { timeoutMs: 10_000 });
      await client.then_({}, { timeoutMs: 10_000 });
      await client.toString_({}, { timeoutMs: 10_000 });
      expect(calls).toEqual(["__proto__", "then", "toString"]);
    } finally {
      await odd.shutdown();
    }
  });

  it("a streaming method of a bound service is not on its pub/sub proxy", () => {
    const client = new QuotesPubsubProxy(fx.api);
    expect("watch" in client).toBe(false);
    expect(typeof client.getQuote).toBe("function");
  });
});
