/**
 * A plain `@grpc/grpc-js` server of the parts of the Gateway API the benchmark calls —
 * `Gateway.ListServices` (a fixed list) and `Pubsub.Subscribe` (events pushed by
 * {@link GrpcJsServer.publish}) — the neutral reference server: what a Node gRPC service
 * written without Connect answers with.
 */
import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { Server, ServerCredentials, type ServerWritableStream } from "@grpc/grpc-js";
import { Gateway, ListServicesResponseSchema } from "../../../generated/virtufin/gateway_pb.js";
import {
  Pubsub,
  PubsubSubscribeResponseSchema,
  type PubsubSubscribeRequest,
  type PubsubSubscribeResponse,
} from "../../../generated/virtufin/pubsub_pb.js";
import { grpcDefinition } from "./grpc-definition.js";
import { EVENT_METADATA, eventData } from "./protocol.js";

/** A running grpc-js reference server. */
export interface GrpcJsServer {
  /** The bound port on 127.0.0.1. */
  readonly port: number;
  /** Writes events `from` … `from + count - 1` to every open Subscribe stream of `topic`. */
  publish(topic: string, from: number, count: number): void;
  /** Open Subscribe streams. */
  subscriptions(): number;
  /** Ends every stream and stops the server. */
  close(): Promise<void>;
}

type Subscriber = ServerWritableStream<PubsubSubscribeRequest, PubsubSubscribeResponse>;

/** Starts the server on 127.0.0.1 (a free port); `services` is what ListServices answers. */
export async function startGrpcJsServer(services: readonly string[]): Promise<GrpcJsServer> {
  const server = new Server();
  const topics = new Map<string, Set<Subscriber>>();
  let open = 0;
  const listServices = create(ListServicesResponseSchema, { services: [...services] });
  server.addService(grpcDefinition(Gateway), {
    listServices: (_call: unknown, callback: (error: null, response: unknown) => void) => callback(null, listServices),
  });
  server.addService(grpcDefinition(Pubsub), {
    subscribe: (call: Subscriber) => {
      const topic = call.request.topic;
      let set = topics.get(topic);
      if (!set) topics.set(topic, (set = new Set()));
      set.add(call);
      open++;
      const leave = (): void => {
        if (set.delete(call)) open--;
      };
      call.on("cancelled", leave);
      call.on("close", leave);
      call.on("error", leave);
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  return {
    port,
    publish(topic, from, count) {
      const set = topics.get(topic);
      if (!set) return;
      for (let i = from; i < from + count; i++) {
        // The same fields the emulator fills in (backend id and time included).
        const id = randomUUID();
        const time = new Date().toISOString();
        const event = create(PubsubSubscribeResponseSchema, {
          topic,
          data: eventData(i),
          metadata: { ...EVENT_METADATA, correlationid: `c-${i}`, "ce-id": id, "ce-time": time, "ce-specversion": "1.0" },
          messageId: id,
          timestamp: time,
        });
        for (const call of set) call.write(event);
      }
    },
    subscriptions: () => open,
    async close() {
      for (const set of topics.values()) for (const call of set) call.end();
      // Graceful shutdown waits for clients to leave; a benchmark server need not.
      server.forceShutdown();
    },
  };
}
