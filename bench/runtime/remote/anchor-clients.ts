/**
 * The clients a Node user would otherwise pick, for one Gateway address: raw Connect
 * (`@connectrpc/connect-node` gRPC transport), `@grpc/grpc-js` and `nice-grpc` (which runs on
 * grpc-js), each calling `Gateway.ListServices` and opening `Pubsub.Subscribe`, plus the
 * generated client the benchmark is about. Every client has its own HTTP/2 connection.
 */
import { create } from "@bufbuild/protobuf";
import { createClient as createConnectClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { credentials, makeGenericClientConstructor, type Client as GrpcClient, type ClientReadableStream } from "@grpc/grpc-js";
import { createChannel, createClient as createNiceClient } from "nice-grpc";
import { GatewayClient } from "../../../generated/virtufin/gateway_client.js";
import { Gateway, ListServicesRequestSchema, type ListServicesResponse } from "../../../generated/virtufin/gateway_pb.js";
import { Connection } from "../../../runtime/connection.js";
import { PubsubClient } from "../../../generated/virtufin/pubsub_client.js";
import { Pubsub, PubsubSubscribeRequestSchema, type PubsubSubscribeResponse } from "../../../generated/virtufin/pubsub_pb.js";
import { grpcDefinition } from "./grpc-definition.js";

/** One client under test. */
export interface AnchorClient {
  /** Row label. */
  readonly label: string;
  /** One `Gateway.ListServices` call; resolves to the service names. */
  listServices(): Promise<readonly string[]>;
  /** Opens `Pubsub.Subscribe(topic)`, read with `for await`; aborting `signal` ends it. */
  subscribe(topic: string, signal: AbortSignal): AsyncIterable<unknown>;
  /** Closes the client and its connection. */
  close(): Promise<void>;
}

const GATEWAY_DEF = grpcDefinition(Gateway);
const PUBSUB_DEF = grpcDefinition(Pubsub);

/**
 * The generated `GatewayClient` and `PubsubClient`, sharing one connection as an app would, on
 * `@connectrpc/connect-node`'s transport (the default until runtime/transport/ replaced it).
 */
export function generatedClient(gateway: { host: string; port: number }): AnchorClient {
  const connection = new Connection({ ...gateway, nodeTransport: "connect-node" });
  const client = new GatewayClient(connection);
  const pubsub = new PubsubClient(connection);
  return {
    label: 'generated, `nodeTransport: "connect-node"`',
    listServices: () => client.listServices(),
    subscribe: (topic, signal) => pubsub.subscribe(topic, { signal }),
    close: () => connection.close(),
  };
}

/** The generated clients with the opt-in transport of `runtime/transport/` (`nodeTransport: "http2"`). */
export function generatedHttp2Client(gateway: { host: string; port: number }): AnchorClient {
  const connection = new Connection({ ...gateway, nodeTransport: "http2" });
  const client = new GatewayClient(connection);
  const pubsub = new PubsubClient(connection);
  return {
    label: 'generated, `nodeTransport: "http2"`',
    listServices: () => client.listServices(),
    subscribe: (topic, signal) => pubsub.subscribe(topic, { signal }),
    close: () => connection.close(),
  };
}

/** Raw Connect over `createGrpcTransport`: what the generated client is built on. */
export function connectClient(url: string): AnchorClient {
  const sessionManager = new Http2SessionManager(url);
  const transport = createGrpcTransport({ baseUrl: url, sessionManager });
  const gateway = createConnectClient(Gateway, transport);
  const pubsub = createConnectClient(Pubsub, transport);
  return {
    label: "raw Connect `createClient(…, createGrpcTransport())`",
    listServices: async () => (await gateway.listServices({})).services,
    subscribe: (topic, signal) => pubsub.subscribe({ topic }, { signal }),
    close: async () => sessionManager.abort(),
  };
}

type UnaryFn = (request: unknown, callback: (error: Error | null, response?: ListServicesResponse) => void) => void;

/** `@grpc/grpc-js` with a generic client of the same service (protobuf-es codec). */
export function grpcJsClient(address: { host: string; port: number }): AnchorClient {
  const target = `${address.host}:${address.port}`;
  const GatewayCtor = makeGenericClientConstructor(GATEWAY_DEF, "Gateway");
  const PubsubCtor = makeGenericClientConstructor(PUBSUB_DEF, "Pubsub");
  const gateway = new GatewayCtor(target, credentials.createInsecure()) as unknown as GrpcClient & { listServices: UnaryFn };
  // Same channel for both services: grpc-js shares subchannels between clients of one target.
  const pubsub = new PubsubCtor(target, credentials.createInsecure(), {
    channelOverride: gateway.getChannel(),
  }) as unknown as GrpcClient & {
    subscribe: (request: unknown) => ClientReadableStream<PubsubSubscribeResponse>;
  };
  return {
    label: "`@grpc/grpc-js` client",
    listServices: () =>
      new Promise((resolve, reject) =>
        gateway.listServices(create(ListServicesRequestSchema), (error, response) =>
          error ? reject(error) : resolve(response!.services),
        ),
      ),
    subscribe: (topic, signal) => {
      const call = pubsub.subscribe(create(PubsubSubscribeRequestSchema, { topic }));
      signal.addEventListener("abort", () => call.cancel(), { once: true });
      return call;
    },
    close: async () => gateway.close(),
  };
}

/** `nice-grpc` (promise and async-iterable API over grpc-js). */
export function niceGrpcClient(address: { host: string; port: number }): AnchorClient {
  const channel = createChannel(`${address.host}:${address.port}`);
  const gateway = createNiceClient(GATEWAY_DEF, channel) as unknown as {
    listServices(r: unknown): Promise<ListServicesResponse>;
  };
  const pubsub = createNiceClient(PUBSUB_DEF, channel) as unknown as {
    subscribe(r: unknown, o: { signal: AbortSignal }): AsyncIterable<PubsubSubscribeResponse>;
  };
  return {
    label: "`nice-grpc` client",
    listServices: async () => (await gateway.listServices(create(ListServicesRequestSchema))).services,
    subscribe: (topic, signal) => pubsub.subscribe(create(PubsubSubscribeRequestSchema, { topic }), { signal }),
    close: async () => channel.close(),
  };
}
