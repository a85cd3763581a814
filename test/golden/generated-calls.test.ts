/**
 * The golden output works, not only compiles: the generated clients of the features and
 * name-clash cases call a real Connect server on loopback (gRPC over HTTP/2) through the real
 * runtime. Covers flattened parameters (optional ones left out), the oneof shorthand, unwrapped
 * responses, void responses, server/client/bidi streaming, a client that is not thenable, and
 * which routes a service gets (gateway proxies only where a Gateway serves it, unary methods only).
 */
import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../support/connect-server.js";
import { RichClient } from "./features/expected/features/rich_client.js";
import { ChunkSchema, Rich, type Everything } from "./features/expected/features/rich_pb.js";
import { Code, EtagMismatchError, VirtufinError } from "../../runtime/errors.js";
import { ClashClient } from "./name-clash/expected/clash/c/globals_client.js";
import { Clash, type Reserved } from "./name-clash/expected/clash/c/globals_pb.js";
import { LedgerClient } from "./pubsub-binding/expected/bind/v1/bound_client.js";
import { Ledger } from "./pubsub-binding/expected/bind/v1/bound_pb.js";

let server: TestServer;
const touched: Everything[] = [];

beforeAll(async () => {
  server = await startTestServer((router) => {
    router.service(Rich, {
      put(req) {
        const labels: Record<string, string> = { ...req.labels, target: `${req.target.case}=${String(req.target.value)}` };
        if (req.limit !== undefined) labels["limit"] = String(req.limit);
        return { labels };
      },
      putSource(req) {
        if (req.source?.kind.case !== "content") throw new Error("expected the content member");
        return { at: req.at };
      },
      touch(req) {
        touched.push(req);
        return {};
      },
      choose: () => ({ pick: { case: "only", value: "x" } }),
      nickname: () => ({ nickname: "nick" }),
      getAttributes: () => ({ attributes: { a: 1 } }),
      now: () => ({ seconds: 1n, nanos: 0 }),
      async *download(req) {
        for (let i = 0; i < 3; i++) yield { data: new TextEncoder().encode(`${req.kind.value as string}#${i}`) };
      },
      async *ticks() {
        yield {};
      },
      async upload(requests) {
        let total = 0n;
        let count = 0;
        for await (const chunk of requests) {
          total += BigInt(chunk.data.length);
          count++;
        }
        return { total, count };
      },
      async *echo(requests) {
        for await (const chunk of requests) yield create(ChunkSchema, { data: chunk.data });
      },
      old: () => ({}),
    });
    // Connect's ServiceImpl type sees Object.prototype.hasOwnProperty on any object literal,
    // which clashes with the RPC HasOwnProperty; the implementation is typed by hand instead.
    const clash = {
      then: () => ({ resolved: true }),
      close: () => ({ message: "closed", code: 3 }),
      delete: (req: Reserved) => req,
    } as unknown as Partial<ServiceImpl<typeof Clash>>;
    router.service(Clash, clash);
    // In-band statuses as the platform writes them: by entry, success, no status, or a failure.
    const failure = (entry: string) => ({ success: false, status: entry.toUpperCase(), message: `${entry} happened` });
    router.service(Ledger, {
      record: (req) =>
        req.entry === "ok"
          ? { status: { success: true, status: "OK" } }
          : req.entry === "none"
            ? {}
            : { status: failure(req.entry) },
      check: (req) => (req.entry === "ok" ? { success: true, status: "OK" } : failure(req.entry)),
      async *follow() {
        yield { status: failure("not_found") };
      },
    });
  });
});

afterAll(async () => {
  await server?.close();
});

it("unary calls: flattened, request form, oneof shorthand, unwrapped and void results", async () => {
  await using rich = new RichClient({ host: "127.0.0.1", port: server.port });
  expect(await rich.put("abc", { k: "v" }, 7n)).toEqual({ k: "v", target: "id=abc", limit: "7" });
  expect(await rich.put("abc")).toEqual({ target: "id=abc" });
  expect(await rich.put({ number: 5n })).toEqual({ target: "number=5" });
  expect(await rich.put({ target: { case: "id", value: "z" } })).toEqual({ target: "id=z" });
  const at = await rich.putSource({ content: new Uint8Array([1]) }, { seconds: 5n }, {}, { a: 1 }, "n", []);
  expect(at?.seconds).toBe(5n);
  expect(await rich.touch()).toBeUndefined();
  await rich.touch("nick", undefined, "tricky");
  expect(touched.map((t) => [t.nickname, t.old, t.tricky])).toEqual([
    [undefined, "", ""],
    ["nick", "", "tricky"],
  ]);
  expect((await rich.choose()).pick).toEqual({ case: "only", value: "x" });
  expect(await rich.nickname()).toBe("nick");
  expect(await rich.getAttributes()).toEqual({ a: 1 });
  expect((await rich.now()).seconds).toBe(1n);
});

it("streams: server streaming unwrapped, client streaming, bidi streaming", async () => {
  await using rich = new RichClient({ host: "127.0.0.1", port: server.port });
  const downloaded: string[] = [];
  for await (const data of rich.download({ url: "u" })) downloaded.push(new TextDecoder().decode(data));
  expect(downloaded).toEqual(["u#0", "u#1", "u#2"]);

  async function* chunks() {
    for (let i = 1; i <= 3; i++) yield { data: new Uint8Array(i) };
  }
  const sum = await rich.upload(chunks());
  expect([sum.total, sum.count]).toEqual([6n, 3]);
  const echoed: number[] = [];
  for await (const data of rich.echo(chunks())) echoed.push(data.length);
  expect(echoed).toEqual([1, 2, 3]);
});

it("a client whose service has an RPC named Then is not thenable, and close() stays the helper", async () => {
  const clash = new ClashClient({ host: "127.0.0.1", port: server.port });
  // eslint-disable-next-line @typescript-eslint/await-thenable -- the point: awaiting a client that is not thenable gives it back
  expect(await clash).toBe(clash);
  expect(await clash.then_({})).toBe(true);
  expect(await clash.close_({})).toMatchObject({ message: "closed", code: 3 });
  const reserved = await clash.delete("d", "c", "o", "a", "k", true);
  expect([reserved.default, reserved.class, reserved.options, reserved.arguments, reserved.constructor$, reserved.new]).toEqual([
    "d",
    "c",
    "o",
    "a",
    "k",
    true,
  ]);
  await clash.close();
});

it("gateway proxies exist only for services a Gateway serves, with their unary methods only", async () => {
  // The generated Virtufin clients: WorkManager and WebSocketManager name their Gateway backend.
  const modules = [
    await import("../../generated/virtufin/config_client.js"),
    await import("../../generated/virtufin/gateway_client.js"),
    await import("../../generated/virtufin/pubsub_client.js"),
    await import("../../generated/virtufin/state_client.js"),
    await import("../../generated/virtufin/websocketmanager_client.js"),
    await import("../../generated/virtufin/workmanager_client.js"),
  ];
  const proxies = modules.flatMap((module) => Object.keys(module).filter((name) => name.endsWith("GatewayProxy")));
  expect(proxies.sort()).toEqual(["WebSocketManagerGatewayProxy", "WorkManagerGatewayProxy"]);
  // A service with a streaming method: its unary-only routes have no method that would always throw.
  const quotes = await import("./pubsub-binding/expected/bind/v1/bound_client.js");
  expect(typeof quotes.QuotesClient.prototype.watch).toBe("function");
  expect("watch" in quotes.QuotesGatewayProxy.prototype).toBe(false);
  expect("watch" in quotes.QuotesPubsubProxy.prototype).toBe(false);
  expect(typeof quotes.QuotesGatewayProxy.prototype.getQuote).toBe("function");
});

it("in-band StatusResponse: void on success or without a status, a VirtufinError with its code on success=false", async () => {
  await using ledger = new LedgerClient({ host: "127.0.0.1", port: server.port });
  expect(await ledger.record({ entry: "ok" })).toBeUndefined();
  expect(await ledger.record({ entry: "none" })).toBeUndefined();
  expect(await ledger.check({ entry: "ok" })).toBeUndefined();
  const notFound = await ledger.record({ entry: "not_found" }).catch((e: unknown) => e);
  expect(notFound).toBeInstanceOf(VirtufinError);
  expect([(notFound as VirtufinError).code, (notFound as VirtufinError).rawMessage]).toEqual([
    Code.NotFound,
    "bind.v1.Ledger.Record failed: not_found happened",
  ]);
  const aborted = await ledger.check({ entry: "aborted" }).catch((e: unknown) => e);
  expect(aborted).toBeInstanceOf(EtagMismatchError);
  expect((aborted as VirtufinError).rawMessage).toBe("bind.v1.Ledger.Check failed: aborted happened");
  // A stream of statuses yields them as they are: each element is the caller's to read.
  const followed = [];
  for await (const status of ledger.follow({ entry: "x" })) followed.push(status?.success);
  expect(followed).toEqual([false]);
});
