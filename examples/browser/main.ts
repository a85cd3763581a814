// The browser example: ApiClient against the emulator's gRPC-Web port. Settings come from the
// form, or from the query string (?endpoint=...&protocol=...&key=...&run=1) to run at once.
import {
  ApiClient,
  enableConnectProtocol,
  VirtufinError,
  WorkerStatus,
  WorkManagerGatewayProxy,
  type Protocol,
} from "@virtufin/sdk";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const show = (id: string, value: unknown) =>
  void ($(id).textContent = typeof value === "string" ? value : JSON.stringify(value, null, 2));

let running: AbortController | undefined;

async function run(endpoint: string, protocol: Protocol, apiKey: string): Promise<void> {
  running?.abort();
  const controller = new AbortController();
  running = controller;
  if (protocol === "connect") enableConnectProtocol();
  // The key lives only in the client (sent as x-api-key); it is never shown or logged.
  const api = new ApiClient({ baseUrl: endpoint, protocol, apiKey: apiKey || undefined });
  controller.signal.addEventListener("abort", () => void api.close());
  show("status", "calling ...");
  try {
    show("services", await api.listServices());
    const counter = await api.state.update("browser-example", "runs", (value) => String(Number(value ?? 0) + 1));
    show("state", { key: "browser-example/runs", value: counter });
    const workers = await new WorkManagerGatewayProxy(api).listWorkers();
    show("workers", workers.length ? workers.map((w) => `${w.id} ${WorkerStatus[w.status]} ${w.topic}`).join("\n") : "(none)");
    // Subscribe, then publish one event to the same topic and show it arriving.
    const events: string[] = [];
    const subscribed = (async () => {
      for await (const event of api.pubsub.subscribe("browser-example", { signal: controller.signal })) {
        events.push(JSON.stringify(event.dataAsJson()));
        show("events", events.join("\n"));
      }
    })();
    // Pub/sub delivers to the subscribers live when an event is published, and the stream opens
    // asynchronously: publish until the first event comes back (at most 20 times).
    for (let i = 0; i < 20 && events.length === 0 && !controller.signal.aborted; i++) {
      await api.pubsub.publish("browser-example", { hello: "from the browser", at: new Date().toISOString() });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    show("status", events.length ? "ok" : "error: no event came back");
    await subscribed;
  } catch (error) {
    if (controller.signal.aborted) return;
    const failure = VirtufinError.from(error);
    show("status", `error ${failure.codeName}: ${failure.message}`);
  }
}

const params = new URLSearchParams(location.search);
for (const [param, id] of [
  ["endpoint", "endpoint"],
  ["protocol", "protocol"],
  ["key", "api-key"],
] as const) {
  const value = params.get(param);
  if (value !== null) $<HTMLInputElement>(id).value = value;
}
$("settings").addEventListener("submit", (event) => {
  event.preventDefault();
  void run(
    $<HTMLInputElement>("endpoint").value,
    $<HTMLSelectElement>("protocol").value as Protocol,
    $<HTMLInputElement>("api-key").value,
  );
});
if (params.get("run") === "1") $<HTMLButtonElement>("run").click();
