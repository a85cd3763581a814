/**
 * The platform client (seed: `virtufin.api.client.ApiClient`): one connection to the Gateway
 * and everything behind it — service discovery, JSON and raw dispatch, state, pub/sub,
 * Gateway-wide event streams and health.
 */
import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { GatewayClient } from "../generated/virtufin/gateway_client.js";
import type { MethodInfo, MethodSchema } from "../generated/virtufin/gateway_pb.js";
import { PubsubClient } from "../generated/virtufin/pubsub_client.js";
import { StateClient } from "../generated/virtufin/state_client.js";
import { type CallOptions } from "../runtime/call-options.js";
import { createClientCore, mapAsync, type ClientCore } from "../runtime/client-core.js";
import { Connection, type ConnectionOptions } from "../runtime/connection.js";
import { Code, throwIfFailed, VirtufinError } from "../runtime/errors.js";
import type { WebSocketManager } from "../generated/virtufin/websocketmanager_pb.js";
import type { WorkManager } from "../generated/virtufin/workmanager_pb.js";
import { createGatewayDispatch, type GatewayDispatch, type JsonValue, type KnownServiceProxy } from "./gateway/dynamic.js";
import { GatewayEvent } from "./gateway/gateway-event.js";
import { PlatformPubsub, reportReconnect, runHandler } from "./pubsub/pubsub-client.js";
import type { EventHandler, HandlerSubscription } from "./pubsub/pubsub-options.js";
import { reconnectingStream, type ReconnectInfo, type ReconnectOptions } from "./pubsub/reconnecting-stream.js";
import { PlatformState } from "./state/state-client.js";
import { HealthCheckService, SERVING_STATUS } from "./health-check.js";

/** Where the platform client connects: defaults to localhost:5002, the Gateway's gRPC port. */
export type ApiClientOptions = ConnectionOptions;

/** Filters of a Gateway-wide subscription: each non-empty list must match, values in one list are alternatives. */
export interface PlatformSubscribeOptions {
  /** Backend names whose events are wanted. */
  services?: string[];
  /** Topics whose events are wanted. */
  topics?: string[];
  /** Event types wanted: "state", "pubsub", "system". */
  eventTypes?: string[];
  /** Ends the iteration quietly when aborted. */
  signal?: AbortSignal;
  /** Reopen the stream when the Gateway goes away (default true). */
  reconnect?: boolean | ReconnectOptions;
  /** Called before each reconnect. */
  onReconnect?: (info: ReconnectInfo) => void;
}

/**
 * The Gateway's dynamic dispatcher (seed: `api.gateway.workmanager.ListWorkers()`), with the
 * platform's own backends declared so that their methods type-check by their proto names.
 * Typed calls go through a generated proxy made from the client, which a page imports only
 * when it uses it: `new WorkManagerGatewayProxy(api).listWorkers()`.
 */
export type PlatformGateway = GatewayDispatch & {
  /** The WorkManager through the Gateway, dynamically (seed: `ListWorkers()`); typed: `new WorkManagerGatewayProxy(api)`. */
  readonly workmanager: KnownServiceProxy<typeof WorkManager>;
  /** The WebSocketManager through the Gateway, dynamically (seed: `List()`); typed: `new WebSocketManagerGatewayProxy(api)`. */
  readonly websocketmanager: KnownServiceProxy<typeof WebSocketManager>;
};

/** Health of a service, from `grpc.health.v1`. */
export type HealthStatus = "SERVING" | "NOT_SERVING" | "UNKNOWN" | "SERVICE_UNKNOWN";

let defaultClient: ApiClient | undefined;

/** The platform client. `await using api = new ApiClient()` closes it at the end of the scope. */
export class ApiClient implements AsyncDisposable {
  // Public fields are `declare`d: the constructor assigns every one, so no field list need be
  // emitted (smaller browser bundles; bench/bundle).
  /**
   * The connection to the Gateway, shareable with generated clients and proxies:
   * `new StateClient(api)`, `new WorkManagerGatewayProxy(api)`.
   */
  declare readonly connection: Connection;
  /** State with etags (seed: `save_state_async`, ...). */
  declare readonly state: PlatformState;
  /** Publish, subscribe and request-reply (seed: `client.pubsub`). */
  declare readonly pubsub: PlatformPubsub;
  /**
   * Backends through the Gateway, dispatched dynamically (seed: `client.gateway.workmanager.ListWorkers()`,
   * `gateway.service("pricing")`). Typed: `new WorkManagerGatewayProxy(api)`.
   */
  declare readonly gateway: PlatformGateway;

  /** The Gateway's own calls, through its generated client on this connection. */
  readonly #gateway: GatewayClient;
  /** grpc.health.v1's Check on this connection (platform/health-check.ts says why not the generated client). */
  readonly #health: ClientCore;

  /** Connects to the Gateway (default localhost:5002); nothing is opened until the first call. */
  constructor(options: ApiClientOptions | Connection = {}) {
    this.connection = options instanceof Connection ? options : new Connection(options, { host: "localhost", port: 5002 });
    this.#gateway = new GatewayClient(this.connection);
    this.#health = createClientCore(HealthCheckService, this.connection);
    // State and Pubsub through their generated clients, on this connection (left open by them).
    this.state = new PlatformState(new StateClient(this.connection));
    this.pubsub = new PlatformPubsub(new PubsubClient(this.connection), this.connection);
    this.gateway = createGatewayDispatch((service, method, request, options) =>
      this.invoke(service, method, request, options),
    ) as PlatformGateway;
  }

  /** The default client (seed: `get_default_client`): the one set, else one for localhost:5002. */
  static getDefault(): ApiClient {
    defaultClient ??= new ApiClient();
    return defaultClient;
  }

  /** Sets the default client (seed: `set_default_client`); `undefined` resets it. */
  static setDefault(client: ApiClient | undefined): void {
    defaultClient = client;
  }

  /** The backend names the Gateway dispatches to. */
  async listServices(options?: CallOptions): Promise<string[]> {
    return this.#gateway.listServices({}, options);
  }

  /** The methods of a backend, discovered by the Gateway through reflection. */
  async listMethods(service: string, options?: CallOptions): Promise<MethodInfo[]> {
    return this.#gateway.listMethods({ service }, options);
  }

  /** The fields of a method's input (default) or output message. */
  async getMethodSchema(
    service: string,
    method: string,
    type: "input" | "output" = "input",
    options?: CallOptions,
  ): Promise<MethodSchema> {
    const schema = await this.#gateway.getMethodSchema({ service, method, type }, options);
    if (!schema) throw new VirtufinError(`no schema for ${service}.${method}`, Code.NotFound);
    return schema;
  }

  /**
   * Calls a backend method with a JSON request through `Gateway.InvokeJson` and returns the
   * parsed JSON response (canonical proto3 JSON, lowerCamel names). An in-band failure is thrown
   * as a VirtufinError carrying its status code.
   */
  async invoke<T = JsonValue>(service: string, method: string, request: unknown = {}, options?: CallOptions): Promise<T> {
    const requestData = typeof request === "string" ? request : JSON.stringify(request ?? {});
    const response = await this.#gateway.invokeJson(
      { service, method, requestData },
      this.#dispatchOptions(service, method, options),
    );
    throwIfFailed(response, `${service}.${method} failed`);
    if (response.responseData === "") return {} as T;
    try {
      return JSON.parse(response.responseData) as T;
    } catch (error) {
      throw new VirtufinError(`${service}.${method} returned invalid JSON: ${(error as Error).message}`, Code.DataLoss);
    }
  }

  /** Calls a backend method with a serialized protobuf request (`Gateway.Invoke`); returns the serialized response. */
  async invokeRaw(service: string, method: string, request: Uint8Array, options?: CallOptions): Promise<Uint8Array> {
    const response = await this.#gateway.invoke(
      { service, method, requestData: request },
      this.#dispatchOptions(service, method, options),
    );
    throwIfFailed(response, `${service}.${method} failed`);
    return response.responseData;
  }

  /** With telemetry on, a dispatch's span names the backend and method it reaches (never the request). */
  #dispatchOptions(service: string, method: string, options: CallOptions | undefined): CallOptions | undefined {
    // Its code comes with the telemetry support, so pages without telemetry do not carry it.
    const connection = this.connection;
    return connection.telemetryEnabled ? connection.telemetrySupport!.dispatchOptions(service, method, options) : options;
  }

  /** `invokeRaw` with typed messages: serializes `request` and parses the response as `output`. */
  async invokeMessage<I extends DescMessage, O extends DescMessage>(
    service: string,
    method: string,
    input: I,
    output: O,
    request: MessageInitShape<I>,
    options?: CallOptions,
  ): Promise<MessageShape<O>> {
    const bytes = await this.invokeRaw(service, method, toBinary(input, create(input, request)), options);
    return fromBinary(output, bytes);
  }

  /**
   * Streams platform events (`Gateway.Subscribe`) matching the filters; all filters empty means
   * everything. Reconnects by itself and never delivers an event twice.
   */
  subscribe(options: PlatformSubscribeOptions = {}): AsyncIterable<GatewayEvent> {
    const gateway = this.#gateway;
    const request = { services: options.services ?? [], topics: options.topics ?? [], eventTypes: options.eventTypes ?? [] };
    return reconnectingStream(
      (signal) => mapAsync(gateway.subscribe(request, { signal }), (message) => new GatewayEvent(message)),
      {
        signal: options.signal,
        reconnect: options.reconnect,
        onReconnect: reportReconnect(this.connection, "gateway-events", options.onReconnect),
        idOf: (e) => e.id,
      },
    );
  }

  /** Handler style of {@link subscribe} (seed: `subscribe_async_with_handler(handler, services, topics, event_types)`). */
  subscribeWithHandler(
    handler: EventHandler<GatewayEvent> | ((event: GatewayEvent) => void | Promise<void>),
    options: Omit<PlatformSubscribeOptions, "signal"> = {},
  ): HandlerSubscription {
    return runHandler((signal) => this.subscribe({ ...options, signal }), handler);
  }

  /**
   * The health of the Gateway (or of one of its services, by full name) through
   * `grpc.health.v1` (seed: `health()`): "SERVING", "NOT_SERVING", "UNKNOWN" or "SERVICE_UNKNOWN".
   */
  async health(service = "", options?: CallOptions): Promise<HealthStatus> {
    const { status } = await this.#health.unary(HealthCheckService.method.check, { service }, { timeoutMs: 5_000, ...options });
    return SERVING_STATUS[status] ?? "UNKNOWN";
  }

  /** Rejects pending request-replies, ends streams and closes the connection. Idempotent. */
  async close(): Promise<void> {
    this.pubsub.close();
    if (defaultClient === this) defaultClient = undefined;
    await this.connection.close();
  }

  /** `await using api = new ApiClient()` closes it at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
