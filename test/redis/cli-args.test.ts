import { describe, expect, it } from "vitest";
import { parseCli, UsageError } from "../../emulator/cli-args.js";
import { parseRedisUrl } from "../../emulator/backend/index.js";

describe("the Redis backend's command line and address", () => {
  it("takes --backend, --replica-id and the Redis settings", () => {
    const command = parseCli(
      ["--backend", "redis://127.0.0.1:7000/2", "--replica-id", "r-1", "--redis-max-len", "500", "--redis-claim-idle-ms", "1500"],
      {},
    );
    expect(command.help).toBe(false);
    if (command.help) return;
    expect(command.options.backend).toBe("redis://127.0.0.1:7000/2");
    expect(command.options.replicaId).toBe("r-1");
    expect(command.options.redis).toEqual({ maxLen: 500, claimIdleMs: 1500 });
    const fromEnv = parseCli([], { VIRTUFIN_BACKEND: "redis://127.0.0.1:7001" });
    expect(!fromEnv.help && fromEnv.options.backend).toBe("redis://127.0.0.1:7001");
    const memory = parseCli([], {});
    expect(!memory.help && memory.options.backend).toBeUndefined();
  });

  it("refuses other backends, bad replica ids and bad numbers with a message", () => {
    expect(() => parseCli(["--backend", "postgres://x"], {})).toThrow(UsageError);
    expect(() => parseCli(["--backend", "postgres://x"], {})).toThrow(/memory" or redis:\/\//);
    expect(() => parseCli(["--replica-id", "has space"], {})).toThrow(/--replica-id/);
    expect(() => parseCli(["--redis-max-len", "0"], {})).toThrow(/positive whole number/);
    expect(() => parseCli(["--redis-claim-idle-ms", "1.5"], {})).toThrow(/positive whole number/);
  });

  it("parses redis:// addresses and says what is wrong with others", () => {
    expect(parseRedisUrl("redis://127.0.0.1:7000/3")).toMatchObject({
      host: "127.0.0.1",
      port: 7000,
      db: 3,
      display: "redis://127.0.0.1:7000/3",
    });
    expect(parseRedisUrl("redis://[::1]")).toMatchObject({ host: "::1", port: 6379, db: 0 });
    const withPassword = parseRedisUrl("redis://user:s3cret@127.0.0.1:7000/0");
    expect(withPassword.password).toBe("s3cret");
    expect(withPassword.display).not.toContain("s3cret");
    expect(() => parseRedisUrl("http://127.0.0.1")).toThrow(/not supported/);
    expect(() => parseRedisUrl("redis://127.0.0.1/abc")).toThrow(/database must be a number/);
  });
});
