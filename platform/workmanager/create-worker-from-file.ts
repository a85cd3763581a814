/**
 * Seed convenience (`create_worker_from_file`): create a worker from a source file, inferring
 * the MIME type from the file's extension.
 */
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import type { WorkManagerApi } from "../../generated/virtufin/workmanager_client.js";
import { type CallOptions } from "../../runtime/call-options.js";
import { Code, VirtufinError } from "../../runtime/errors.js";

/** MIME types of the WorkManager's engines, by file extension. */
export const MIME_TYPES_BY_EXTENSION: Readonly<Record<string, string>> = {
  ".py": "text/x-python",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".cjs": "text/javascript",
};

/** Options of {@link createWorkerFromFile}. */
export interface CreateWorkerFromFileOptions extends CallOptions {
  /** The engine's MIME type; inferred from the extension when omitted. */
  mimeType?: string;
  /** The topic the worker consumes (default "time-worker-topic", as in the seed). */
  topic?: string;
  /** An optional group: members never process at the same time. */
  group?: string;
}

/** The MIME type for a file, from its extension; a VirtufinError (INVALID_ARGUMENT) when unknown. */
export function mimeTypeForFile(path: string): string {
  const mimeType = MIME_TYPES_BY_EXTENSION[extname(path).toLowerCase()];
  if (!mimeType) {
    const known = Object.keys(MIME_TYPES_BY_EXTENSION).join(", ");
    throw new VirtufinError(
      `cannot infer the MIME type of "${path}" (known extensions: ${known}); pass mimeType`,
      Code.InvalidArgument,
    );
  }
  return mimeType;
}

/**
 * Creates a worker whose code is the content of a file, and returns its id. The worker starts
 * STOPPED, as every new worker does.
 */
export async function createWorkerFromFile(
  workmanager: Pick<WorkManagerApi, "createWorker">,
  path: string,
  options: CreateWorkerFromFileOptions = {},
): Promise<string> {
  const mimeType = options.mimeType ?? mimeTypeForFile(path);
  let content: Uint8Array;
  try {
    content = await readFile(path);
  } catch (error) {
    throw new VirtufinError(`cannot read worker code from "${path}": ${(error as Error).message}`, Code.InvalidArgument);
  }
  const { signal, timeoutMs, headers } = options;
  return workmanager.createWorker(
    { codeSource: { content }, mimeType, topic: options.topic ?? "time-worker-topic", group: options.group ?? "" },
    { signal, timeoutMs, headers },
  );
}
