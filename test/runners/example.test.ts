import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);

describe("examples/simple-runner.ts", () => {
  it("prints its state while running, stops after about a second and exits 0", async () => {
    const example = fileURLToPath(new URL("../../examples/simple-runner.ts", import.meta.url));
    const started = performance.now();
    // execFile rejects on a non-zero exit code, so resolving is the exit-0 check.
    const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", example], { timeout: 25_000 });
    const ms = performance.now() - started;
    const lines = stdout.trim().split("\n");
    expect(stderr).toBe("");
    expect(lines[0]).toBe("Hello from simple-runner in state init");
    expect(lines.at(-1)).toBe("Hello from simple-runner in state stopped");
    const running = lines.slice(1, -1);
    // One line every 200 ms for about a second (fewer if the machine is slow, never more).
    expect(running.length).toBeGreaterThanOrEqual(3);
    expect(running.length).toBeLessThanOrEqual(6);
    expect(new Set(running)).toEqual(new Set(["Hello from simple-runner in state running"]));
    expect(ms).toBeGreaterThan(1_000);
  });
});
