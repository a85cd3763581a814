/**
 * Renders the synthetic benchmark input: ONE .proto file with many services, methods, messages
 * and enums, every element carrying a comment.
 *
 * The comments are the point. protoplugin looks up an element's comments by scanning the file's
 * `source_code_info` locations, so a generator that asks for the comments of every element does
 * work proportional to (elements × locations) — quadratic in the size of one file. A benchmark
 * input without comments (or without source info) would hide exactly the cost being measured.
 */

/** How large a synthetic file to render. */
export interface SyntheticSize {
  /** Number of services. */
  readonly services: number;
  /** RPCs per service. */
  readonly methodsPerService: number;
  /** Number of top-level messages (requests and responses are picked among them). */
  readonly messages: number;
  /** Number of top-level enums. */
  readonly enums: number;
}

/** The full synthetic set named in issue 2 item 7: 100 services × 20 methods, 2,000 messages. */
export const FULL_SIZE: SyntheticSize = { services: 100, methodsPerService: 20, messages: 2000, enums: 100 };

/**
 * Scales the full size by `fraction` (a quarter, a half), keeping methods per service fixed so
 * the only thing that changes between sizes is how many elements the one file holds.
 */
export function scaleSize(full: SyntheticSize, fraction: number): SyntheticSize {
  return {
    services: Math.max(1, Math.round(full.services * fraction)),
    methodsPerService: full.methodsPerService,
    messages: Math.max(2, Math.round(full.messages * fraction)),
    enums: Math.max(1, Math.round(full.enums * fraction)),
  };
}

/** Package of the synthetic file; also the directory it is written under. */
export const SYNTHETIC_PACKAGE = "bench.synthetic.v1";

/** Path of the synthetic file relative to the proto root (what `file_to_generate` names). */
export const SYNTHETIC_FILE = "bench/synthetic/v1/synthetic.proto";

const msgName = (i: number): string => `Record${i}`;
const enumName = (i: number): string => `Category${i}`;

/**
 * Renders the synthetic file as proto3 text. Deterministic: the same size always gives the same
 * bytes, so runs on different days compare the same input.
 */
export function renderSyntheticProto(size: SyntheticSize): string {
  const out: string[] = [];
  out.push(
    "// Synthetic benchmark input for protoc plugins: one large file whose every element is",
    "// documented, so that source_code_info is as large as a real, well-commented API.",
    'syntax = "proto3";',
    "",
    `package ${SYNTHETIC_PACKAGE};`,
    "",
    'import "google/protobuf/timestamp.proto";',
    "",
  );
  for (let e = 0; e < size.enums; e++) renderEnum(out, e);
  for (let m = 0; m < size.messages; m++) renderMessage(out, m, size);
  for (let s = 0; s < size.services; s++) renderService(out, s, size);
  return out.join("\n") + "\n";
}

function renderEnum(out: string[], e: number): void {
  const name = enumName(e);
  const prefix = `CATEGORY${e}_`;
  out.push(
    `// ${name} classifies a record for routing and reporting.`,
    "// Values are stable on the wire; new values are appended.",
    `enum ${name} {`,
    `  // The category was not set by the sender.`,
    `  ${prefix}UNSPECIFIED = 0;`,
    `  // Records produced by an interactive user.`,
    `  ${prefix}INTERACTIVE = 1;`,
    `  // Records produced by a scheduled batch job.`,
    `  ${prefix}BATCH = 2;`,
    `  // Records replayed from the archive after an outage.`,
    `  ${prefix}REPLAY = 3;`,
    "}",
    "",
  );
}

function renderMessage(out: string[], m: number, size: SyntheticSize): void {
  const name = msgName(m);
  const other = msgName((m + 7) % size.messages);
  const category = enumName(m % size.enums);
  out.push(
    `// ${name} is one entry of the synthetic ledger (number ${m}).`,
    `// It carries identifiers, amounts, labels and a link to ${other}.`,
    `message ${name} {`,
    `  // Unique identifier of the record, assigned by the server.`,
    `  string id = 1;`,
    `  // Human-readable name shown in listings; at most 200 characters.`,
    `  string display_name = 2;`,
    `  // Amount in the smallest currency unit; negative for refunds.`,
    `  int64 amount_minor = 3;`,
    `  // Whether the record has been confirmed by its owner.`,
    `  bool confirmed = 4;`,
    `  // Exchange rate applied when the record was converted.`,
    `  double rate = 5;`,
    `  // Free-form tags used for search, in insertion order.`,
    `  repeated string tags = 6;`,
    `  // Labels attached by integrations, keyed by integration name.`,
    `  map<string, string> labels = 7;`,
    `  // How the record was produced.`,
    `  ${category} category = 8;`,
    `  // When the record was created, in UTC.`,
    `  google.protobuf.Timestamp create_time = 9;`,
    `  // The related record, when there is one.`,
    `  ${other} related = 10;`,
    `  // Where the record's payload lives.`,
    `  oneof payload {`,
    `    // The payload inline, for small records.`,
    `    bytes inline_data = 11;`,
    `    // A URI pointing at the payload, for large records.`,
    `    string payload_uri = 12;`,
    `  }`,
    `  // Optimistic-concurrency token; send it back unchanged on update.`,
    `  optional string etag = 13;`,
    "}",
    "",
  );
}

function renderService(out: string[], s: number, size: SyntheticSize): void {
  out.push(
    `// LedgerService${s} manages one shard of the synthetic ledger.`,
    "// Every method is documented the way a public API would be.",
    `service LedgerService${s} {`,
  );
  for (let j = 0; j < size.methodsPerService; j++) {
    const k = s * size.methodsPerService + j;
    const req = msgName(k % size.messages);
    const res = msgName((k + 1) % size.messages);
    // Every tenth method streams its responses, as list/watch methods of real APIs do.
    const streaming = j % 10 === 9;
    out.push(
      `  // Operation${j} processes a ${req} and answers with a ${res}.`,
      `  // It is retried by clients on UNAVAILABLE (shard ${s}, method ${j}).`,
      `  rpc Operation${j}(${req}) returns (${streaming ? "stream " : ""}${res});`,
    );
  }
  out.push("}", "");
}
