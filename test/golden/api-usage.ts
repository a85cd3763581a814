/**
 * Type-level checks of the generated API surface, compiled by the golden type-check (and by the
 * project's tsc run), never executed: flattened overloads, the oneof shorthand, unwrapped result
 * types, streaming, and clients that are never thenable. A `@ts-expect-error` line fails the
 * type-check when the error it expects does not happen.
 */
import { RichClient } from "./features/expected/features/rich_client.js";
import { LegacyClient } from "./features/expected/features/legacy_client.js";
import { ClashClient } from "./name-clash/expected/clash/c/globals_client.js";
import { PromiseClient } from "./name-clash/expected/clash/b/things_client.js";
import { WorkManagerClient, WorkManagerGatewayProxy, type WorkManagerApi } from "../../generated/virtufin/workmanager_client.js";
import { WebSocketManagerClient } from "../../generated/virtufin/websocketmanager_client.js";
// @ts-expect-error -- no Gateway serves the Gateway service itself: it has no gateway proxy
import { GatewayGatewayProxy as _GatewayGatewayProxy } from "../../generated/virtufin/gateway_client.js";
import {
  ClockPubsubBinding,
  ClockPubsubProxy,
  LedgerClient,
  LedgerGatewayProxy,
  LedgerPubsubProxy,
  QuotesClient,
  QuotesGatewayProxy,
  QuotesPubsubProxy,
  serveClock,
  serveQuotes,
  type QuotesApi,
  type QuotesUnaryApi,
} from "./pubsub-binding/expected/bind/v1/bound_client.js";
import { ApiClient } from "../../platform/api-client.js";
import { RequestTimeoutError } from "../../runtime/errors.js";
import { type Runner } from "../../runtime/runners/runner.js";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(_value?: T): void {}

/** Never called: only its types matter. */
export async function usage(signal: AbortSignal): Promise<void> {
  await using wm = new WorkManagerClient({ host: "localhost", port: 5102, apiKey: "k" });
  const id: string = await wm.createWorker({ codeSource: { content: new Uint8Array() }, mimeType: "text/x-python" });
  await wm.createWorker({ codeSource: { source: { case: "url", value: "https://example.com/w.py" } } });
  const _workers = await wm.listWorkers();
  assertType<Equal<(typeof _workers)[number]["id"], string>>();
  await wm.loadCodeFromContent(id, new Uint8Array(), { timeoutMs: 1_000, signal });
  await wm.deleteWorker(id);
  await wm.deleteWorker({ id });
  const recovered: number = await wm.recoverWorkers();
  // @ts-expect-error -- a flattened parameter keeps its type (content is bytes)
  await wm.loadCodeFromContent(id, "print('hi')");
  void recovered;

  const ws = new WebSocketManagerClient();
  await ws.connect("ws://127.0.0.1:1");
  await ws.connect("ws://127.0.0.1:1", true, { timeoutMs: 5 });

  const rich = new RichClient();
  const labels: { [key: string]: string } = await rich.put("id", { a: "b" }, 10n);
  await rich.put({ id: "x", labels: {} });
  await rich.touch();
  // The shorthand works in flattened message parameters too.
  await rich.putSource({ content: new Uint8Array() }, { seconds: 1n }, {}, { any: [1, "json"] }, "nick", []);
  for await (const _chunk of rich.download({ url: "https://example.com" })) {
    assertType<Equal<typeof _chunk, Uint8Array>>();
  }
  async function* chunks() {
    yield { data: new Uint8Array() };
  }
  const _sum = await rich.upload(chunks());
  assertType<Equal<typeof _sum.total, bigint>>();
  for await (const _echoed of rich.echo(chunks())) {
    assertType<Equal<typeof _echoed, Uint8Array>>();
  }
  assertType<Equal<Awaited<ReturnType<LegacyClient["count"]>>, bigint>>();
  assertType<Equal<Awaited<ReturnType<LegacyClient["countString"]>>, string>>();
  void labels;

  // Clients are never thenable, whatever their RPCs are called.
  const clash = new ClashClient();
  assertType<Equal<Awaited<ClashClient>, ClashClient>>();
  assertType<Equal<Awaited<PromiseClient>, PromiseClient>>();
  // @ts-expect-error -- the RPC Then is then_()
  void clash.then;
  const resolved: boolean = await clash.then_({ default: "x" });
  await clash.delete("default", "class", "options", "arguments", "constructor", true, { timeoutMs: 1 });
  await clash.close_({});
  await clash.close();
  // The base class and its private core leave the RPCs Base and Core their own names.
  const first: string = (await clash.base({})).first + (await clash.core({})).second;
  void resolved;
  void first;

  // Gateway proxies: the same interface as the direct client, names from the proto's option or
  // the plugin option (a service no Gateway serves has no proxy).
  const api = new ApiClient();
  const routes: WorkManagerApi[] = [wm, new WorkManagerGatewayProxy(api), new WorkManagerGatewayProxy(api, "wm2")];
  for (const route of routes) {
    const _listed = await route.listWorkers(undefined, { timeoutMs: 5 });
    assertType<Equal<typeof _listed, import("../../generated/virtufin/workmanager_pb.js").WorkerInfo[]>>();
  }
  assertType<Equal<typeof WorkManagerGatewayProxy.gatewayName, "workmanager">>();
  assertType<Equal<typeof QuotesGatewayProxy.gatewayName, "quotes-backend">>();
  // The platform client keeps the seed's dynamic style, with the platform's method names declared.
  const dynamic: unknown = await api.gateway.workmanager.ListWorkers();
  void dynamic;
  // @ts-expect-error -- the typed proxy keeps parameter types
  await new WorkManagerGatewayProxy(api).deleteWorker(42);

  // Request-reply over pub/sub: the same interface again, and responders with a lifecycle.
  // Routes that carry unary calls only implement QuotesUnaryApi: no method of theirs always throws.
  const quotes: QuotesUnaryApi[] = [new QuotesPubsubProxy(api), new QuotesGatewayProxy(api), new QuotesClient()];
  // @ts-expect-error -- the Gateway carries unary calls only: the proxy has no watch()
  void new QuotesGatewayProxy(api).watch;
  // @ts-expect-error -- pub/sub carries unary calls only: the pub/sub proxy has no watch()
  void new QuotesPubsubProxy(api).watch;
  // @ts-expect-error -- nor is the proxy a QuotesApi, whose watch() the direct client has
  const full: QuotesApi = new QuotesGatewayProxy(api);
  const all: QuotesApi = new QuotesClient();
  for await (const watched of all.watch({ symbol: "X" })) void watched;
  void full;
  const _quote = await quotes[0]!.getQuote({ symbol: "BTCUSDT", quantity: 2 }, { timeoutMs: 5_000, signal });
  assertType<Equal<typeof _quote.price, number>>();
  const price: number = await new QuotesPubsubProxy(api, { source: "urn:x", methods: {} }).getPrice({ symbol: "X" });
  await new ClockPubsubProxy(api, ClockPubsubBinding).ping();
  // An in-band StatusResponse (a field of the response, or the response) is checked, on every route.
  for (const ledger of [new LedgerClient(), new LedgerGatewayProxy(api), new LedgerPubsubProxy(api)]) {
    const recorded = ledger.record({ entry: "x" });
    assertType<Equal<typeof recorded, Promise<void>>>();
    const checked = ledger.check({ entry: "x" });
    assertType<Equal<typeof checked, Promise<void>>>();
    await Promise.all([recorded, checked]);
  }
  // A streaming method needs no implementation; every unary one does.
  const responder: Runner = serveQuotes(api, {
    getQuote: (request) => ({ symbol: request.symbol, price: request.quantity * 2 }),
    getPrice: async (_request, { signal: aborted }) => ({ price: aborted.aborted ? 0 : 1 }),
    refresh: (request) => ({ symbol: request.symbol }),
  });
  await responder.startup();
  await responder.shutdown();
  // @ts-expect-error -- Ping is missing
  serveClock(api, { getTime: (request) => ({ iso: "", zone: request.zone }) });
  // @ts-expect-error -- a reply field keeps its type
  serveClock(api, { getTime: () => ({ iso: 1 }), ping: () => ({}) });
  const timedOut: boolean = new Error() instanceof RequestTimeoutError;
  void price;
  void timedOut;
}
