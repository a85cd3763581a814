// Anchor: the WorkManager with nothing but Connect: createClient over gRPC-Web.
import { createClient } from "@connectrpc/connect";
import { createGrpcWebTransport } from "@connectrpc/connect-web";
import { WorkManager } from "@virtufin/sdk/gen/virtufin/workmanager_pb";

const client = createClient(WorkManager, createGrpcWebTransport({ baseUrl: "http://127.0.0.1:5003" }));
const { workers } = await client.listWorkers({});
const { id } = await client.createWorker({
  mimeType: "text/x-python",
  topic: "t",
  codeSource: { source: { case: "content", value: new Uint8Array([1]) } },
});
await client.deleteWorker({ id });
console.log(workers.length);
