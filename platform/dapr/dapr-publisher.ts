/**
 * DaprPublisher (seed `virtufin-api`: "Publish events via Dapr sidecar"): publishes straight to
 * the Dapr sidecar's pub/sub, bypassing the Virtufin API. The platform's pub/sub is Dapr's, so
 * these events reach Virtufin subscribers and workers like those of `api.pubsub.publish`.
 *
 * Built on `DaprClient`, which our own plugin generates from the subset of Dapr's runtime API in
 * proto/dapr. Browser-safe: the environment is read only where a `process` exists.
 */
import { DaprClient } from "../../generated/dapr/proto/runtime/v1/dapr_client.js";
import type { BulkPublishResponseFailedEntry } from "../../generated/dapr/proto/runtime/v1/pubsub_pb.js";
import type { CallOptions } from "../../runtime/call-options.js";
import type { ConnectionOptions } from "../../runtime/connection.js";
import { Code, VirtufinError } from "../../runtime/errors.js";
import { encodeData, type EventData } from "../pubsub/encode.js";
import { checkTopic } from "../pubsub/pubsub-client.js";

/** Dapr's default gRPC port of the sidecar. */
export const DAPR_DEFAULT_GRPC_PORT = 50001;
/** The sidecar's default host. */
export const DAPR_DEFAULT_HOST = "127.0.0.1";
/** The metadata header that carries the sidecar's API token. */
export const DAPR_API_TOKEN_HEADER = "dapr-api-token";

/** Options of {@link DaprPublisher}. Unset fields come from the environment, then Dapr's defaults. */
export interface DaprPublisherOptions {
  /** The pub/sub component (default "pubsub"). */
  pubsubName?: string;
  /** The sidecar's host (default `$DAPR_RUNTIME_HOST`, else 127.0.0.1). */
  host?: string;
  /** The sidecar's gRPC port (default `$DAPR_GRPC_PORT`, else 50001). */
  port?: number;
  /** Sent as `dapr-api-token` on every call (default `$DAPR_API_TOKEN`). Never logged or shown. */
  apiToken?: string;
  /** TLS to the sidecar (default plaintext, as sidecars on the same host are reached). */
  tls?: ConnectionOptions["tls"];
  /** Default deadline of a publish, in ms (default 30,000). */
  timeoutMs?: number;
}

/** Options of {@link DaprPublisher.publish}. */
export interface DaprPublishOptions extends CallOptions {
  /** Metadata for the pub/sub component, e.g. `ttlInSeconds`, `rawPayload`, `cloudevent.type`. */
  metadata?: Record<string, string>;
  /** The data's content type; by default derived from the data (JSON, text or bytes). */
  contentType?: string;
}

/** One event of a {@link DaprPublisher.bulkPublish}. */
export interface DaprBulkEntry {
  /** The event data, with the same rules as `publish`. */
  data: EventData;
  /** The data's content type; by default derived from the data. */
  contentType?: string;
  /** Metadata of this entry (over the request's). */
  metadata?: Record<string, string>;
  /** The id failures are reported under (default: the entry's index). */
  entryId?: string;
}

/** An entry the sidecar could not publish. */
export interface DaprBulkFailure {
  /** The entry's id. */
  readonly entryId: string;
  /** The sidecar's error text. */
  readonly error: string;
}

/** Reads an environment variable where there is an environment (Node); never in browsers. */
function env(name: string): string | undefined {
  const value = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
  return value === undefined || value === "" ? undefined : value;
}

function resolvePort(port: number | undefined): number {
  if (port !== undefined) return port;
  const text = env("DAPR_GRPC_PORT");
  if (text === undefined) return DAPR_DEFAULT_GRPC_PORT;
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new VirtufinError(`DAPR_GRPC_PORT must be a port number, got ${JSON.stringify(text)}`, Code.InvalidArgument);
  }
  return Number(text);
}

/** The CallOptions part of a publish's options (the rest is request content). */
function callOptions(options: CallOptions): CallOptions {
  const { timeoutMs, signal, headers, retry, idempotent } = options;
  return {
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(signal ? { signal } : {}),
    ...(headers ? { headers } : {}),
    ...(retry !== undefined ? { retry } : {}),
    ...(idempotent !== undefined ? { idempotent } : {}),
  };
}

/**
 * Publishes events through the Dapr sidecar (seed: `DaprPublisher(pubsub_name="pubsub")`,
 * `await publisher.publish_async("my-topic", {...})`). `await using` closes it.
 */
export class DaprPublisher implements AsyncDisposable {
  /** The pub/sub component events go to. */
  readonly pubsubName: string;
  /** The sidecar's base URL, e.g. "http://127.0.0.1:50001". */
  readonly address: string;
  readonly #client: DaprClient;

  /** Describes the publisher; nothing is opened until the first publish. */
  constructor(options: DaprPublisherOptions = {}) {
    this.pubsubName = options.pubsubName ?? "pubsub";
    if (this.pubsubName.trim() === "") throw new VirtufinError("pubsubName must not be empty", Code.InvalidArgument);
    const token = options.apiToken ?? env("DAPR_API_TOKEN");
    // The token travels only as a header of the connection; no field of ours holds it.
    const connection: ConnectionOptions = {
      host: options.host ?? env("DAPR_RUNTIME_HOST") ?? DAPR_DEFAULT_HOST,
      port: resolvePort(options.port),
      ...(options.tls !== undefined ? { tls: options.tls } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(token !== undefined ? { headers: { [DAPR_API_TOKEN_HEADER]: token } } : {}),
    };
    this.#client = new DaprClient(connection);
    this.address = `${options.tls ? "https" : "http"}://${connection.host?.includes(":") ? `[${connection.host}]` : connection.host}:${connection.port}`;
  }

  /**
   * Publishes one event: objects as JSON, strings as text, bytes as they are (the rules of
   * `api.pubsub.publish`). The sidecar wraps it in a CloudEvent. Failures are VirtufinErrors
   * with the sidecar's code (INVALID_ARGUMENT for an unknown component or empty topic,
   * UNAUTHENTICATED for a wrong token, RESOURCE_EXHAUSTED for oversized data).
   */
  async publish(topic: string, data?: EventData, options: DaprPublishOptions = {}): Promise<void> {
    checkTopic(topic);
    const encoded = encodeData(data);
    await this.#client.publishEvent(
      {
        pubsubName: this.pubsubName,
        topic,
        data: encoded.bytes,
        dataContentType: options.contentType ?? encoded.contentType,
        metadata: options.metadata ?? {},
      },
      callOptions(options),
    );
  }

  /** Seed spelling of {@link publish}. */
  publishAsync(topic: string, data?: EventData, options?: DaprPublishOptions): Promise<void> {
    return this.publish(topic, data, options);
  }

  /**
   * Publishes several events in one call (Dapr's BulkPublishEvent, or BulkPublishEventAlpha1 on
   * sidecars older than 1.17) and resolves with the entries that failed (none: empty). A request
   * the sidecar refuses as a whole is a VirtufinError.
   */
  async bulkPublish(
    topic: string,
    entries: readonly DaprBulkEntry[],
    options: DaprPublishOptions = {},
  ): Promise<DaprBulkFailure[]> {
    checkTopic(topic);
    const request = {
      pubsubName: this.pubsubName,
      topic,
      metadata: options.metadata ?? {},
      entries: entries.map((entry, index) => {
        const encoded = encodeData(entry.data);
        return {
          entryId: entry.entryId ?? String(index),
          event: encoded.bytes,
          contentType: entry.contentType ?? encoded.contentType,
          metadata: entry.metadata ?? {},
        };
      }),
    };
    let failed: BulkPublishResponseFailedEntry[];
    try {
      failed = await this.#client.bulkPublishEvent(request, callOptions(options));
    } catch (err) {
      if (!(err instanceof VirtufinError) || err.code !== Code.Unimplemented) throw err;
      failed = await this.#client.bulkPublishEventAlpha1(request, callOptions(options));
    }
    return failed.map((entry) => ({ entryId: entry.entryId, error: entry.error }));
  }

  /** Closes the connection to the sidecar. */
  close(): Promise<void> {
    return this.#client.close();
  }

  /** Closes the publisher at the end of an `await using` scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
