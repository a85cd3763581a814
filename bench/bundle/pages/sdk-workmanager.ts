// The SDK's generated direct client of the WorkManager: the same calls as raw-workmanager.ts.
import { WorkManagerClient } from "@virtufin/sdk";

const client = new WorkManagerClient({ baseUrl: "http://127.0.0.1:5003" });
const workers = await client.listWorkers();
const id = await client.createWorker({ mimeType: "text/x-python", topic: "t", codeSource: { content: new Uint8Array([1]) } });
await client.deleteWorker(id);
console.log(workers.length);
