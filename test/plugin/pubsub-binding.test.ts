/**
 * Pub/sub bindings that cannot work are generation errors naming the RPC or the option: a
 * per-method option on an unbound service or on a streaming method, a binding on a service
 * without unary methods, two methods of one topic
 * with the same CloudEvent type (a responder could not tell them apart), and a topic with spaces.
 * The defaults themselves are pinned by the `pubsub-binding` golden case.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { protocGenVirtufinTs } from "../../plugin/index.js";
import { buildCodeGeneratorRequest, REPO_ROOT } from "../golden/code-generator-request.js";

const BASE = "target=ts,import_extension=js,runtime=../runtime.js";

/** Runs the plugin on one proto file (importing virtufin/options.proto) and returns its error. */
function errorFor(body: string): string {
  const dir = mkdtempSync(join(tmpdir(), "virtufin-binding-"));
  try {
    mkdirSync(join(dir, "virtufin"));
    copyFileSync(join(REPO_ROOT, "proto", "virtufin", "options.proto"), join(dir, "virtufin", "options.proto"));
    writeFileSync(join(dir, "buf.yaml"), "version: v2\n");
    const header = 'syntax = "proto3";\npackage t;\nimport "virtufin/options.proto";\nmessage M { string s = 1; }\n';
    writeFileSync(join(dir, "t.proto"), header + body);
    const response = protocGenVirtufinTs.run(buildCodeGeneratorRequest(dir, BASE));
    return response.error ?? "";
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("pub/sub binding errors", () => {
  it("a bound service with defaults generates", () => {
    expect(errorFor("service S { option (virtufin.pubsub) = {}; rpc A(M) returns (M); rpc B(M) returns (stream M); }")).toBe("");
  }, 30_000);

  it("pubsub_method on a service without a binding", () => {
    expect(errorFor('service S { rpc A(M) returns (M) { option (virtufin.pubsub_method) = {topic: "x"}; } }')).toBe(
      "rpc t.S.A: option (virtufin.pubsub_method) needs option (virtufin.pubsub) on its service",
    );
  }, 30_000);

  it("pubsub_method on a streaming method", () => {
    expect(
      errorFor(
        'service S { option (virtufin.pubsub) = {}; rpc A(M) returns (stream M) { option (virtufin.pubsub_method) = {topic: "x"}; } }',
      ),
    ).toBe("rpc t.S.A: option (virtufin.pubsub_method) on a server-streaming method; request-reply over pub/sub is unary only");
  }, 30_000);

  it("two methods of one topic with the same type", () => {
    expect(
      errorFor(
        'service S { option (virtufin.pubsub) = {topic: "t"}; rpc A(M) returns (M) { option (virtufin.pubsub_method) = {type: "same"}; } ' +
          'rpc B(M) returns (M) { option (virtufin.pubsub_method) = {type: "same"}; } }',
      ),
    ).toBe(
      'rpc t.S.B: requests of type "same" on topic "t" are also those of A; give one of them its own (virtufin.pubsub_method) type or topic',
    );
  }, 30_000);

  it("the same type on different topics is fine", () => {
    expect(
      errorFor(
        'service S { option (virtufin.pubsub) = {}; rpc A(M) returns (M) { option (virtufin.pubsub_method) = {type: "same", topic: "a"}; } ' +
          'rpc B(M) returns (M) { option (virtufin.pubsub_method) = {type: "same", topic: "b"}; } }',
      ),
    ).toBe("");
  }, 30_000);

  it("a binding on a service without unary methods (pub/sub carries unary calls only)", () => {
    expect(errorFor("service S { option (virtufin.pubsub) = {}; rpc B(M) returns (stream M); }")).toBe(
      "service t.S: option (virtufin.pubsub) on a service without unary methods; request-reply over pub/sub is unary only",
    );
  }, 30_000);

  it("a topic with whitespace", () => {
    expect(errorFor('service S { option (virtufin.pubsub) = {reply_topic: "a b"}; rpc A(M) returns (M); }')).toBe(
      'service t.S: option (virtufin.pubsub) reply_topic "a b" contains whitespace',
    );
  }, 30_000);
});
