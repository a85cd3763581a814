/**
 * Starts the emulator in-process on free loopback ports for a test file.
 */
import { startEmulator, type Emulator, type EmulatorOptions } from "../../emulator/index.js";
import { ApiClient } from "../../platform/api-client.js";

/** A started emulator and a platform client connected to its Gateway. */
export interface EmulatorFixture {
  /** The emulator. */
  readonly emulator: Emulator;
  /** A client of its Gateway. */
  readonly api: ApiClient;
  /** Stops both. */
  close(): Promise<void>;
}

/** Starts a quiet emulator on port 0 and a client for it. */
export async function startFixture(options: EmulatorOptions = {}): Promise<EmulatorFixture> {
  const emulator = await startEmulator({ ports: 0, logLevel: "warn", ...options });
  const api = new ApiClient({ host: "127.0.0.1", port: emulator.addresses.gateway.port });
  return {
    emulator,
    api,
    close: async () => {
      await api.close();
      await emulator.stop();
    },
  };
}
