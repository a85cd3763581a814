// Runs every example in examples/ as its own process against one emulator, as a user would
// (`npx tsx examples/<name>.ts`), and checks what it prints.
import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFixture, type EmulatorFixture } from "../support/emulator.js";

const exec = promisify(execFile);
const root = new URL("../../", import.meta.url).pathname;

/** What each example must print (every entry a regular expression the output must match). */
const EXPECTED: Record<string, RegExp[]> = {
  "workmanager-quick-start": [/Created worker: [0-9a-f-]{36}/, /: STOPPED/],
  "workmanager-complete": [
    /Created: /,
    /topic=time-worker-topic/,
    /Version 0: /,
    /Version 1: /,
    /Status after stop: STOPPED/,
    /Worker still listed: false/,
  ],
  "api-quick-start": [/Services: \[.*"workmanager".*\]/],
  "list-services": [/workmanager: .*CreateWorker/],
  "state-management": [
    /Saved: true/,
    /Value: myvalue, Etag: \S+/,
    /All state: \{.*"mykey"/,
    /Etag conflict: ABORTED/,
    /Counter: 5/,
  ],
  "subscribe-events": [/Event: state\/state-changes/, /Received [3-9] events|Received \d\d events/],
  pubsub: [/Received: Message 0/, /Received: Message 4/, /Done: 5 received/],
  "request-reply": [/Got response: \{"command":"status","success":true,"status":"ok"\}/, /Correlation id: [0-9a-f-]{36}/],
  "gateway-workmanager": [/Created: /, /RUNNING \(Python\)/],
  "gateway-websocketmanager": [/Connected: /, /ws:\/\/127\.0\.0\.1:\d+\/feed/, /Disconnected/],
  "error-handling": [
    /Unknown service: gRPC error \w+/,
    /Delete a missing worker: gRPC error NOT_FOUND/,
    /Create with an empty MIME type: gRPC error INVALID_ARGUMENT/,
    /Unreachable server: gRPC error UNAVAILABLE/,
    /Handled NOT_FOUND by code/,
  ],
  "create-worker-from-file": [/from time_worker\.js: text\/javascript \(JavaScript\)/],
  "simple-runner": [/Hello from/],
  "dapr-publisher": [
    /Received via Dapr: \{"key":"value"\} \(type com\.dapr\.event\.sent, source virtufin-app\)/,
    /Received via Dapr: bulk-2/,
    /Bulk publish failures: 0/,
    /Unknown component: INVALID_ARGUMENT/,
  ],
  "async-consumer": [
    /Tick 1/,
    /Tick 2/,
    /Tick 3/,
    /Callback failed: callback "picky" for "tick" failed: this callback does not like 2/,
    /Group stopped: sum 6, queue 0, callback errors 1/,
  ],
  "run-worker-grpc": [
    /WorkManager services: virtufin\.WorkManager/,
    /Created worker: [0-9a-f-]{36}/,
    /Reply: \{"echo": ?\{"command": ?"status"\}, ?"handled_by": ?"python"\}/,
    /Worker [0-9a-f-]{36}: WORKER_STATUS_RUNNING on grpc-worker-requests/,
    /Deleted; still listed: false/,
  ],
  "custom-service": [
    /Gateway services: .*pricing/,
    /Direct: BTCUSDT x2 = 100000/,
    /Gateway proxy: BTCUSDT x2 = 100000/,
    /Gateway proxy: unknown symbol -> NOT_FOUND/,
    /Dynamic: \{"symbol":"ETHUSDT","unitPrice":2500,"total":10000\}/,
    /TypeScript responder: GetTime -> 2023-11-14T22:13:20Z UTC/,
    /Python worker: GetTime -> 2023-11-14T22:13:20Z UTC/,
    /Python worker: Elapsed -> 3600 s/,
    /Python worker: unknown zone -> INVALID_ARGUMENT/,
  ],
};

const NOT_STANDALONE = new Set(["support", "demo"]);

let fx: EmulatorFixture;
beforeAll(async () => {
  fx = await startFixture();
});
afterAll(() => fx.close());

async function runExample(name: string): Promise<string> {
  const { gateway, workmanager, dapr } = fx.emulator.addresses;
  const { stdout, stderr } = await exec(process.execPath, ["--import", "tsx", `examples/${name}.ts`], {
    cwd: root,
    timeout: 60_000,
    env: {
      ...process.env,
      VIRTUFIN_API_HOST: "127.0.0.1",
      VIRTUFIN_API_GRPC_PORT: String(gateway.port),
      VIRTUFIN_WORKMANAGER_PORT: String(workmanager.port),
      DAPR_GRPC_PORT: String(dapr.port),
    },
  }).catch((error: { stdout?: string; stderr?: string; message: string }) => {
    throw new Error(`examples/${name}.ts failed: ${error.message}\n${error.stdout ?? ""}\n${error.stderr ?? ""}`);
  });
  return stdout + stderr;
}

describe("examples", () => {
  const names = readdirSync(new URL("../../examples/", import.meta.url))
    .filter((f) => f.endsWith(".ts"))
    .map((f) => f.slice(0, -3))
    .filter((n) => !NOT_STANDALONE.has(n));

  it("has an expectation for every example", () => {
    expect(names.filter((n) => !(n in EXPECTED))).toEqual([]);
  });

  for (const name of names) {
    it(`runs ${name}`, async () => {
      const output = await runExample(name);
      for (const pattern of EXPECTED[name] ?? []) expect(output).toMatch(pattern);
    });
  }

  it("runs the demo (npm run demo's example, with its own emulator)", async () => {
    const { stdout } = await exec(process.execPath, ["--import", "tsx", "examples/demo.ts"], { cwd: root, timeout: 60_000 });
    expect(stdout).toMatch(/Emulator up: Gateway http:\/\/127\.0\.0\.1:\d+/);
    expect(stdout).toMatch(/Worker still listed: false/);
    expect(stdout).toMatch(/Emulator stopped\./);
  });
});
