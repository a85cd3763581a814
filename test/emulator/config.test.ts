import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code } from "@connectrpc/connect";
import { Config } from "../../generated/virtufin/config_pb.js";
import { Gateway } from "../../generated/virtufin/gateway_pb.js";
import { parseServicesConfig, startEmulator, type Emulator } from "../../emulator/index.js";
import { grpcClient } from "./helpers.js";

describe("services config parsing", () => {
  it("accepts the map form and the list form (YAML or JSON)", () => {
    expect(parseServicesConfig("services:\n  pricing: { host: 10.0.0.1, port: 6000 }\n  risk: { port: '6001' }\n")).toEqual([
      { name: "pricing", host: "10.0.0.1", port: 6000 },
      { name: "risk", host: "127.0.0.1", port: 6001 },
    ]);
    expect(parseServicesConfig('{"services":[{"name":"pricing","grpc":{"host":"h","port":7000}}]}')).toEqual([
      { name: "pricing", host: "h", port: 7000 },
    ]);
    expect(parseServicesConfig("")).toEqual([]);
  });

  it("names the problem in bad files", () => {
    expect(() => parseServicesConfig("services: [ {port: 1} ]", "f.yaml")).toThrow(/f\.yaml: entry 0 needs a "name"/);
    expect(() => parseServicesConfig("services:\n  x: { port: 0 }")).toThrow(/port between 1 and 65535/);
    expect(() => parseServicesConfig("services:\n  'bad name': { port: 1 }")).toThrow(/invalid service name/);
    expect(() => parseServicesConfig("services: 3")).toThrow(/map or a list/);
    expect(() => parseServicesConfig("services: [")).toThrow(/not valid YAML/);
  });
});

describe("services config in the emulator", () => {
  let dir: string;
  let emulator: Emulator;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "virtufin-services-"));
    const file = join(dir, "services.yaml");
    writeFileSync(file, "services:\n  pricing: { host: 127.0.0.1, port: 6500 }\n");
    emulator = await startEmulator({
      ports: 0,
      logLevel: "silent",
      servicesConfigPath: file,
      services: { risk: { port: 6501 } },
    });
  });
  afterAll(async () => {
    await emulator?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists file and option backends after the emulator's own, in Gateway.ListServices and Config", async () => {
    expect((await grpcClient(Gateway, emulator.addresses.gateway.url).listServices({})).services).toEqual([
      "workmanager",
      "websocketmanager",
      "pricing",
      "risk",
    ]);
    const config = grpcClient(Config, emulator.addresses.gateway.url);
    expect((await config.listServices({})).services.map((s) => s.name)).toEqual([
      "workmanager",
      "websocketmanager",
      "pricing",
      "risk",
    ]);
    const wm = (await config.getService({ name: "workmanager" })).service;
    expect(wm?.grpc).toMatchObject({ host: "127.0.0.1", port: emulator.addresses.workmanager.port, reflectionEnabled: true });
    expect(wm?.pubsub?.pubsubName).toBe("pubsub");
    await expect(config.getService({ name: "nope" })).rejects.toMatchObject({ code: Code.NotFound });
    await expect(config.getService({ name: "" })).rejects.toMatchObject({ code: Code.InvalidArgument });
  });

  it("refuses a backend named like the emulator's own, and a missing file, with clear errors", async () => {
    await expect(startEmulator({ ports: 0, logLevel: "silent", services: { workmanager: { port: 1 } } })).rejects.toThrow(
      /reserved/,
    );
    await expect(startEmulator({ ports: 0, logLevel: "silent", servicesConfigPath: join(dir, "missing.yaml") })).rejects.toThrow(
      /cannot read services config/,
    );
  });

  it("a port in use is a clear start-up error", async () => {
    await expect(
      startEmulator({
        ports: { gateway: emulator.addresses.gateway.port, grpcWeb: 0, workmanager: 0, websocketmanager: 0 },
        logLevel: "silent",
      }),
    ).rejects.toThrow(/already in use/);
  });
});
