// The SDK's platform client: the same calls as raw-platform.ts, through ApiClient.
import { ApiClient } from "@virtufin/sdk";

const api = new ApiClient({ baseUrl: "http://127.0.0.1:5003" });
console.log(await api.listServices());
console.log(await api.gateway.workmanager.ListWorkers());
await api.state.save("s", "k", "v");
console.log(await api.state.get("s", "k"));
await api.pubsub.publish("t", {});
for await (const event of api.pubsub.subscribe("t")) console.log(event.messageId);
