// Anchor: the platform with nothing but Connect: clients of Gateway, State and Pubsub over gRPC-Web.
import { createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { Gateway } from "@virtufin/sdk/gen/virtufin/gateway_pb";
import { Pubsub } from "@virtufin/sdk/gen/virtufin/pubsub_pb";
import { State } from "@virtufin/sdk/gen/virtufin/state_pb";

const transport = createGrpcWebTransport({ baseUrl: "http://127.0.0.1:5003" });
const gateway = createClient(Gateway, transport);
const state = createClient(State, transport);
const pubsub = createClient(Pubsub, transport);
console.log((await gateway.listServices({})).services);
const reply = await gateway.invokeJson({ service: "workmanager", method: "ListWorkers", requestData: "{}" });
console.log(JSON.parse(reply.responseData));
await state.saveState({ service: "s", key: "k", value: "v" });
console.log((await state.getState({ service: "s", key: "k" })).value);
await pubsub.publishEvent({ topic: "t", data: new TextEncoder().encode("{}") });
for await (const event of pubsub.subscribe({ topic: "t" })) console.log(event.messageId);
