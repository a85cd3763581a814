/**
 * The page's one connection to the emulator, through the SDK only: an `ApiClient` over gRPC-Web
 * to the Gateway's browser port, and the generated client of the emulator-only InspectorService
 * sharing its connection. Tracks whether the platform is reachable, and holds the api key in
 * memory only (never in storage, never in the URL, never logged).
 */
import { InspectorServiceClient } from "@virtufin/sdk/gen/virtufin/emulator/v1/inspector_client";
// Not platform/index.ts: it still re-exports the Node-only createWorkerFromFile (node:fs), which
// the browser entry of issue 10 moves out; until then the page imports the two modules it uses.
import { ApiClient, reconnectingStream, WebSocketManagerGatewayProxy, WorkManagerGatewayProxy } from "@virtufin/sdk";
import { Code, VirtufinError } from "@virtufin/sdk";

/** What `/config.json` of the UI server says. */
export interface UiConfig {
  /** The Gateway's gRPC-Web port, on the page's own host. */
  readonly grpcWebPort: number;
  /** True when that port speaks TLS. */
  readonly tls: boolean;
  /** True when every call needs an api key. */
  readonly apiKeyRequired: boolean;
}

/** Whether the platform answers. */
export type PlatformStatus = "connecting" | "online" | "offline" | "unauthenticated";

/** A live stream registered with the session: reopened after reconnects and key changes. */
type StreamStarter = (session: Session, signal: AbortSignal) => Promise<void>;

/** The page's session with the emulator. */
export class Session {
  /** The platform client. */
  api!: ApiClient;
  /** The emulator-only inspector. */
  inspector!: InspectorServiceClient;
  /** The WorkManager through the Gateway (typed proxy on the platform client). */
  workmanager!: WorkManagerGatewayProxy;
  /** The WebSocketManager through the Gateway (typed proxy on the platform client). */
  websocketmanager!: WebSocketManagerGatewayProxy;
  /** Reachability, shown in the header. */
  status: PlatformStatus = "connecting";
  /** Why the platform is not reachable, when it is not. */
  problem = "";
  /** Bumped whenever the platform comes back, so views reload what streams do not carry. */
  epoch = 0;
  readonly baseUrl: string;
  #apiKey: string | undefined;
  #streams: StreamStarter[] = [];
  #running = new AbortController();

  /** Creates the session; `changed` is called after every status change. */
  constructor(
    readonly config: UiConfig,
    private readonly changed: () => void,
  ) {
    this.baseUrl = `${config.tls ? "https" : "http"}://${location.hostname.includes(":") ? `[${location.hostname}]` : location.hostname}:${config.grpcWebPort}`;
    this.#connect();
    if (config.apiKeyRequired) {
      this.status = "unauthenticated";
      this.problem = "the emulator requires an api key";
    }
  }

  /** True when an api key is held (in memory). */
  get hasApiKey(): boolean {
    return this.#apiKey !== undefined;
  }

  /** Uses an api key for every call from now on (memory only) and reopens every stream. */
  setApiKey(key: string): void {
    this.#apiKey = key === "" ? undefined : key;
    void this.api.close();
    this.#connect();
    this.#restart();
  }

  /**
   * Runs `consume` over a stream opened by `open`, forever: reopened with backoff when the
   * platform goes away (the header then says so) and when the api key changes.
   */
  watch<T>(open: (signal: AbortSignal) => AsyncIterable<T>, consume: (item: T) => void, idOf?: (item: T) => string): void {
    const starter: StreamStarter = async (session, signal) => {
      const stream = reconnectingStream(open, {
        signal,
        reconnect: { initialDelayMs: 200, maxDelayMs: 2_000 },
        ...(idOf ? { idOf } : {}),
        onReconnect: (info) => session.#offline(info.error?.rawMessage ?? "the emulator ended the stream"),
      });
      for await (const item of stream) {
        session.#online();
        consume(item);
      }
    };
    this.#streams.push(starter);
    this.#run(starter);
  }

  /** Reports a failed call: an UNAUTHENTICATED one asks for an api key, an UNAVAILABLE one says the platform is gone. */
  noteFailure(error: unknown): VirtufinError {
    const failure = VirtufinError.from(error);
    if (failure.code === Code.Unauthenticated) this.#unauthenticated();
    else if (failure.code === Code.Unavailable && this.status === "online") this.#offline(failure.rawMessage);
    return failure;
  }

  #connect(): void {
    this.api = new ApiClient({ baseUrl: this.baseUrl, protocol: "grpc-web", ...(this.#apiKey ? { apiKey: this.#apiKey } : {}) });
    this.inspector = new InspectorServiceClient(this.api);
    this.workmanager = new WorkManagerGatewayProxy(this.api);
    this.websocketmanager = new WebSocketManagerGatewayProxy(this.api);
  }

  #restart(): void {
    this.#running.abort();
    this.#running = new AbortController();
    this.status = "connecting";
    this.changed();
    for (const starter of this.#streams) this.#run(starter);
  }

  #run(starter: StreamStarter): void {
    const signal = this.#running.signal;
    starter(this, signal).catch((error: unknown) => {
      if (signal.aborted) return;
      const failure = VirtufinError.from(error);
      if (failure.code === Code.Unauthenticated) this.#unauthenticated();
      else this.#offline(failure.rawMessage);
    });
  }

  #online(): void {
    if (this.status === "online") return;
    this.status = "online";
    this.problem = "";
    this.epoch += 1;
    this.changed();
  }

  #offline(problem: string): void {
    if (this.status === "unauthenticated") return;
    this.status = "offline";
    this.problem = problem;
    this.changed();
  }

  #unauthenticated(): void {
    this.status = "unauthenticated";
    this.problem = this.#apiKey ? "the api key was refused" : "the emulator requires an api key";
    this.#running.abort();
    this.changed();
  }
}

/** Reads the UI server's `/config.json`. */
export async function loadConfig(): Promise<UiConfig> {
  const response = await fetch("./config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  return (await response.json()) as UiConfig;
}
