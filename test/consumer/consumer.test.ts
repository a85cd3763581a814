/**
 * The product as a user gets it: every package packed with `npm pack`, installed into a fresh
 * project outside the repository with only public packages beside them, a proto of the user's
 * own generated with `buf generate` and the plugin's default options, type-checked with
 * `tsc --strict` (`skipLibCheck: false`, no DOM lib), the emulator started from the installed
 * bin, and every route called: the user's own server, the platform client, the typed proxy of the
 * user's service through the Gateway, typed request-reply. The README's quick start runs there
 * verbatim.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/free-ports.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const fixture = fileURLToPath(new URL("./fixture", import.meta.url));

/** Versions of the public packages the consumer installs: the ones this repository pins. */
function pinned(name: string): string {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
  const version = pkg.devDependencies[name];
  if (version === undefined) throw new Error(`${name} is not pinned in package.json`);
  return `${name}@${version}`;
}

/** The README's quick start: the first ```ts block after the "Quick start" heading. */
function readmeQuickStart(): string {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const heading = readme.search(/^#+ Quick start/m);
  if (heading < 0) throw new Error('README.md has no "Quick start" heading');
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(heading));
  if (block === null) throw new Error("README.md's quick start has no ```ts block");
  return block[1]!;
}

const execFileAsync = promisify(execFile);

/**
 * Runs a command without blocking the event loop: a synchronous npm install of a minute or more
 * starves vitest's worker RPC ("Timeout calling onTaskUpdate") on a busy machine.
 */
async function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
  timeout = 240_000,
): Promise<string> {
  try {
    return (await execFileAsync(cmd, args, { cwd, env, encoding: "utf8", timeout, maxBuffer: 64 * 1024 * 1024 })).stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")} failed in ${cwd}:\n${e.stdout ?? ""}${e.stderr ?? e.message}`, { cause: err });
  }
}

describe("a fresh project using the packed packages", () => {
  let dir: string;
  let emulator: ChildProcess | undefined;
  let output = "";
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    npm_config_update_notifier: "false",
    npm_config_fund: "false",
    npm_config_audit: "false",
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "virtufin-consumer-"));
    const packed = join(dir, "packed");
    mkdirSync(packed);
    await run(
      "npm",
      [
        "pack",
        "--silent",
        "--pack-destination",
        packed,
        "-w",
        "@virtufin/protoc-gen-virtufin-ts",
        "-w",
        "@virtufin/sdk",
        "-w",
        "@virtufin/emulator",
      ],
      root,
      env,
    );
    const tarballs = readdirSync(packed)
      .filter((f) => f.endsWith(".tgz"))
      .map((f) => join(packed, f));
    expect(tarballs).toHaveLength(3);
    const app = join(dir, "app");
    cpSync(fixture, app, { recursive: true });
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "consumer-app", private: true, type: "module" }, null, 2));
    await run(
      "npm",
      [
        "install",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        ...tarballs,
        pinned("@bufbuild/buf"),
        pinned("@bufbuild/protoc-gen-es"),
        pinned("@bufbuild/protobuf"),
        pinned("@connectrpc/connect"),
        pinned("@connectrpc/connect-node"),
        pinned("typescript"),
        pinned("tsx"),
        pinned("@types/node"),
      ],
      app,
      env,
    );
  }, 400_000);

  afterAll(() => {
    if (emulator && emulator.exitCode === null) emulator.kill("SIGKILL");
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("installs one copy of protobuf-es and Connect, shared with the SDK (peer dependencies)", async () => {
    const ls = await run(
      "npm",
      ["ls", "--all", "--parseable", "@bufbuild/protobuf", "@connectrpc/connect"],
      join(dir, "app"),
      env,
    );
    const copies = ls.split("\n").filter((line) => /node_modules\/(@bufbuild\/protobuf|@connectrpc\/connect)$/.test(line));
    expect(copies).toHaveLength(2);
  });

  it("generates with the plugin's default options and type-checks strictly without skipLibCheck", async () => {
    const app = join(dir, "app");
    await run(join(app, "node_modules/.bin/buf"), ["generate"], app, {
      ...env,
      PATH: `${join(app, "node_modules/.bin")}:${env.PATH}`,
    });
    const client = readFileSync(join(app, "src/gen/acme/shop/v1/shop_client.ts"), "utf8");
    expect(client).toContain('from "@virtufin/sdk/runtime"');
    expect(readFileSync(join(app, "src/gen/virtufin/options_pb.ts"), "utf8")).toContain(
      'from "@virtufin/sdk/gen/virtufin/options_pb"',
    );
    writeFileSync(join(app, "src/quick-start.ts"), readmeQuickStart());
    await run(join(app, "node_modules/.bin/tsc"), ["-p", "tsconfig.json"], app, env);
  }, 120_000);

  it("starts the emulator from the installed bin and calls every route from the consumer's program", async () => {
    const app = join(dir, "app");
    const shopPort = await freePort();
    writeFileSync(join(app, "services.yaml"), `services:\n  shop: { host: 127.0.0.1, port: ${shopPort} }\n`);
    const ports = ["--gateway-port", "0", "--grpc-web-port", "0", "--workmanager-port", "0", "--websocketmanager-port", "0"];
    const proc = spawn(join(app, "node_modules/.bin/virtufin-emulator"), [...ports, "--services", "services.yaml"], {
      cwd: app,
      stdio: ["ignore", "pipe", "pipe"],
    });
    emulator = proc;
    proc.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    proc.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const started = Date.now();
    while (!output.includes("ready") && Date.now() - started < 30_000 && proc.exitCode === null)
      await new Promise((r) => setTimeout(r, 50));
    expect(output, output).toContain("ready");
    const gatewayPort = /Gateway\s+http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1];
    expect(gatewayPort, output).toBeDefined();
    const out = await run(
      join(app, "node_modules/.bin/tsx"),
      ["src/main.ts"],
      app,
      { ...env, GATEWAY_PORT: gatewayPort, SHOP_PORT: String(shopPort) },
      60_000,
    );
    expect(out).toContain("CONSUMER OK");
    proc.kill("SIGTERM");
    await new Promise((resolve) => proc.once("exit", resolve));
  }, 90_000);

  it("runs the README's quick start verbatim", async () => {
    const app = join(dir, "app");
    const out = await run(join(app, "node_modules/.bin/tsx"), ["src/quick-start.ts"], app, env, 60_000);
    expect(out).toContain("workmanager");
  }, 90_000);

  it("names a dependency that is not installed and the command that installs it", async () => {
    const app = join(dir, "app");
    const yaml = join(app, "node_modules/yaml");
    renameSync(yaml, `${yaml}.aside`);
    try {
      const bin = join(app, "node_modules/.bin/virtufin-emulator");
      const failed = await run(bin, ["--help"], app, env, 30_000).then(
        () => undefined,
        (err: Error) => err,
      );
      expect(failed?.message).toContain("\nvirtufin-emulator: the package yaml is not installed; run: npm i yaml\n");
    } finally {
      renameSync(`${yaml}.aside`, yaml);
    }
  }, 60_000);
});
