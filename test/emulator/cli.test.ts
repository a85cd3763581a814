import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Health, HealthCheckResponse_ServingStatus } from "../../generated/grpc/health/v1/health_pb.js";
import { Gateway } from "../../generated/virtufin/gateway_pb.js";
import { Pubsub } from "../../generated/virtufin/pubsub_pb.js";
import { HELP, parseCli, UsageError } from "../../emulator/cli-args.js";
import { collect, grpcClient, loadPricing, startPricingBackend, waitFor } from "./helpers.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const bin = join(root, "packages/emulator/bin/virtufin-emulator.js");

describe("command line parsing", () => {
  it("defaults to the platform's ports on 127.0.0.1", () => {
    const cmd = parseCli([], {});
    expect(cmd).toEqual({
      help: false,
      options: {
        ports: { gateway: 5002, grpcWeb: 5003, workmanager: 5102, websocketmanager: 5202 },
        host: "127.0.0.1",
        uiPort: 5004,
        logLevel: "info",
        daprPort: 50001,
      },
    });
  });

  it("reads every flag; --api-key and --allow-code-host repeat; VIRTUFIN_API_KEYS adds keys", () => {
    const cmd = parseCli(
      [
        "--gateway-port",
        "0",
        "--grpc-web-port",
        "1",
        "--workmanager-port",
        "2",
        "--websocketmanager-port",
        "3",
        "--host",
        "0.0.0.0",
        "--services",
        "svc.yaml",
        "--api-key",
        "a=1",
        "--api-key",
        "b=x=y",
        "--allow-code-host",
        "example.com",
        "--allow-code-host",
        "*.acme.io",
        "--log-level",
        "debug",
      ],
      { VIRTUFIN_API_KEYS: "env=e1, other=e2" },
    );
    expect(cmd).toEqual({
      help: false,
      options: {
        ports: { gateway: 0, grpcWeb: 1, workmanager: 2, websocketmanager: 3 },
        host: "0.0.0.0",
        uiPort: 0,
        logLevel: "debug",
        servicesConfigPath: "svc.yaml",
        apiKeys: { env: "e1", other: "e2", a: "1", b: "x=y" },
        workmanager: { allowedCodeHosts: ["example.com", "*.acme.io"] },
        daprPort: 0, // a free port when the platform's ports are given, like the UI
      },
    });
    expect(parseCli(["-h"], {})).toEqual({ help: true });
    expect(parseCli(["--ui-port", "6000"], {})).toMatchObject({ options: { uiPort: 6000 } });
    expect(parseCli(["--no-ui"], {})).toMatchObject({ options: { uiPort: false } });
    expect(() => parseCli(["--no-ui", "--ui-port", "1"], {})).toThrow(UsageError);
  });

  it("rejects unknown flags and bad values with UsageError, never echoing a key", () => {
    const bad = [
      ["--nope"],
      ["--gateway-port", "70000"],
      ["--gateway-port", "x"],
      ["--log-level", "loud"],
      ["--api-key", "novalue"],
      ["--api-key", "=k"],
      ["extra"],
      ["--host", ""],
    ];
    for (const args of bad) expect(() => parseCli(args, {}), args.join(" ")).toThrow(UsageError);
    try {
      parseCli(["--api-key", "bad name=super-secret"], {});
    } catch (err) {
      expect((err as Error).message).not.toContain("super-secret");
    }
  });

  it("documents every flag in --help", () => {
    for (const flag of [
      "--gateway-port",
      "--grpc-web-port",
      "--workmanager-port",
      "--websocketmanager-port",
      "--host",
      "--services",
      "--api-key",
      "VIRTUFIN_API_KEYS",
      "--allow-code-host",
      "--log-level",
      "--ui-port",
      "--no-ui",
      "--help",
      "--dapr-port",
      "--app-port",
      "--dapr-app-id",
      "--dapr-api-token",
      "DAPR_API_TOKEN",
    ]) {
      expect(HELP).toContain(flag);
    }
  });
});

describe("the virtufin-emulator bin", () => {
  beforeAll(() => {
    // CI builds before testing; a local run builds once if dist is missing.
    if (!existsSync(join(root, "packages/emulator/dist/cli.js")))
      execFileSync("npm", ["run", "-s", "build"], { cwd: root, stdio: "ignore", timeout: 240_000 });
  }, 250_000);

  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
  });

  it("prints --help and exits 0; a bad flag exits 2 with a hint", () => {
    const help = execFileSync(process.execPath, [bin, "--help"], { encoding: "utf8", timeout: 20_000 });
    expect(help).toContain("--gateway-port");
    let status = 0;
    let stderr = "";
    try {
      execFileSync(process.execPath, [bin, "--bogus"], { encoding: "utf8", stdio: "pipe", timeout: 20_000 });
    } catch (err) {
      status = (err as { status: number }).status;
      stderr = String((err as { stderr: string }).stderr);
    }
    expect(status).toBe(2);
    expect(stderr).toContain("--bogus");
    expect(stderr).toContain("--help");
  });

  it("says to run npm run build when dist is missing", () => {
    const dir = mkdtempSync(join(tmpdir(), "virtufin-bin-"));
    try {
      mkdirSync(join(dir, "bin"));
      copyFileSync(bin, join(dir, "bin/virtufin-emulator.js"));
      let stderr = "";
      try {
        execFileSync(process.execPath, [join(dir, "bin/virtufin-emulator.js")], {
          encoding: "utf8",
          stdio: "pipe",
          timeout: 20_000,
        });
      } catch (err) {
        stderr = String((err as { stderr: string }).stderr);
      }
      expect(stderr).toContain("npm run build");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("starts with its start-up lines, serves, and stops cleanly on SIGTERM (open streams end)", async () => {
    // A user's backend the Gateway keeps a connection to must not keep the process alive.
    const backend = await startPricingBackend(loadPricing());
    const dir = mkdtempSync(join(tmpdir(), "virtufin-cli-"));
    const services = join(dir, "services.yaml");
    writeFileSync(services, `services:\n  pricing: { host: 127.0.0.1, port: ${backend.port} }\n`);
    const ports = [
      "--gateway-port",
      "0",
      "--grpc-web-port",
      "0",
      "--workmanager-port",
      "0",
      "--websocketmanager-port",
      "0",
      "--dapr-port",
      "0",
    ];
    const proc = spawn(process.execPath, [bin, ...ports, "--services", services], { stdio: ["ignore", "pipe", "pipe"] });
    child = proc;
    let output = "";
    proc.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    proc.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
    await waitFor(() => output.includes("ready"), "the emulator to be ready", 20_000);
    for (const name of ["Gateway ", "Gateway gRPC-Web", "WorkManager", "WebSocketManager", "Web UI"])
      expect(output).toContain(name);
    const url = /Gateway\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    expect(url).toBeDefined();
    expect((await grpcClient(Health, url!).check({ service: "" })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);

    const invoked = await grpcClient(Gateway, url!).invokeJson({
      service: "pricing",
      method: "GetQuote",
      requestData: '{"quantity":2}',
    });
    expect(invoked).toMatchObject({ success: true, status: "OK" });

    const pubsub = grpcClient(Pubsub, url!);
    const stream = collect((signal) => pubsub.subscribe({ topic: "shutdown" }, { signal }));
    await waitFor(() => output.includes("subscription connected"), "the subscription", 5_000);
    proc.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(await stream.done).toBeUndefined();
    expect(output).toContain("SIGTERM received");
    expect(output).toContain("stopped");
    await backend.close();
    rmSync(dir, { recursive: true, force: true });
  }, 30_000);
});
