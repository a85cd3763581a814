/**
 * Runs the plugin as a protoc/buf plugin process: the request on stdin, the response on stdout.
 *
 * Behaves like protoplugin's `runNodeJs` (`--version`, usage error, failure message and exit
 * codes) but decodes the request with decodeRequest, which skips the second copy of every file
 * to generate.
 */
import { toBinary } from "@bufbuild/protobuf";
import { CodeGeneratorResponseSchema } from "@bufbuild/protobuf/wkt";
import type { Plugin } from "@bufbuild/protoplugin";
import { decodeRequest } from "./decode-request.js";

/** Reads a stream to its end. */
function readAll(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer | string) => chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk));
    stream.on("end", () => resolve(Buffer.concat(chunks)));
    stream.on("error", reject);
  });
}

/** Writes bytes and resolves once they are flushed. */
function writeAll(stream: NodeJS.WritableStream, data: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => stream.write(data, (err) => (err ? reject(err) : resolve())));
}

/** Runs `plugin` on the request read from stdin and exits. */
export function runNode(plugin: Plugin): void {
  const args = process.argv.slice(2);
  if ((args.length === 1 && args[0] === "-v") || args[0] === "--version") {
    process.stdout.write(`${plugin.name} ${plugin.version}\n`);
    process.exit(0);
  }
  if (args.length !== 0) {
    process.stderr.write(
      `${plugin.name} accepts a google.protobuf.compiler.CodeGeneratorRequest on stdin and writes a CodeGeneratorResponse to stdout\n`,
    );
    process.exit(1);
  }
  readAll(process.stdin)
    .then((bytes) => writeAll(process.stdout, toBinary(CodeGeneratorResponseSchema, plugin.run(decodeRequest(bytes)))))
    .then(() => process.exit(0))
    .catch((reason: unknown) => {
      process.stderr.write(`${plugin.name}: ${reason instanceof Error ? reason.message : String(reason)}\n`);
      process.exit(1);
    });
}
