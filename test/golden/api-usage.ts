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
import { WorkManagerClient } from "../../generated/virtufin/workmanager_client.js";
import { WebSocketManagerClient } from "../../generated/virtufin/websocketmanager_client.js";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(_value?: T): void {}

/** Never called: only its types matter. */
export async function usage(signal: AbortSignal): Promise<void> {
  await using wm = new WorkManagerClient({ host: "localhost", port: 5102, apiKey: "k" });
  const id: string = await wm.createWorker({ codeSource: { content: new Uint8Array() }, mimeType: "text/x-python" });
  await wm.createWorker({ codeSource: { source: { case: "url", value: "https://example.com/w.py" } } });
  const workers = await wm.listWorkers();
  assertType<Equal<(typeof workers)[number]["id"], string>>();
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
  for await (const chunk of rich.download({ url: "https://example.com" })) {
    assertType<Equal<typeof chunk, Uint8Array>>();
  }
  async function* chunks() {
    yield { data: new Uint8Array() };
  }
  const sum = await rich.upload(chunks());
  assertType<Equal<typeof sum.total, bigint>>();
  for await (const echoed of rich.echo(chunks())) {
    assertType<Equal<typeof echoed, Uint8Array>>();
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
  void resolved;
}
