/**
 * `npm run demo`: starts the emulator in-process on free ports and runs the seed's complete
 * WorkManager example against it, end to end, then shuts everything down.
 */
import { startEmulator } from "@virtufin/emulator";
import { completeExample } from "./workmanager-complete.js";
import { run } from "./support.js";

run(async () => {
  const emulator = await startEmulator({ ports: 0, logLevel: "warn" });
  const { workmanager, gateway } = emulator.addresses;
  console.log(`Emulator up: Gateway ${gateway.url}, WorkManager ${workmanager.url}\n`);
  try {
    await completeExample({ host: workmanager.host, port: workmanager.port });
  } finally {
    await emulator.stop();
    console.log("\nEmulator stopped.");
  }
});
