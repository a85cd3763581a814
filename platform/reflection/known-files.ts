/**
 * Proto files every party of the platform knows by name: the well-known types and the option
 * files our protos import. Both sides of reflection fall back to them — the server when a served
 * file imports one only for options (protoc-gen-es leaves such imports out of
 * `DescFile.dependencies`), the Gateway's reflection client when a backend leaves one out of its
 * answer.
 */
import type { DescFile } from "@bufbuild/protobuf";
import {
  file_google_protobuf_any,
  file_google_protobuf_descriptor,
  file_google_protobuf_duration,
  file_google_protobuf_empty,
  file_google_protobuf_field_mask,
  file_google_protobuf_struct,
  file_google_protobuf_timestamp,
  file_google_protobuf_wrappers,
} from "@bufbuild/protobuf/wkt";
import { file_google_api_client } from "../../generated/google/api/client_pb.js";
import { file_virtufin_options } from "../../generated/virtufin/options_pb.js";

/** Known files by their proto path ("google/protobuf/any.proto"). */
export const KNOWN_FILES: ReadonlyMap<string, DescFile> = new Map(
  [
    file_google_api_client,
    file_virtufin_options,
    file_google_protobuf_any,
    file_google_protobuf_descriptor,
    file_google_protobuf_duration,
    file_google_protobuf_empty,
    file_google_protobuf_field_mask,
    file_google_protobuf_struct,
    file_google_protobuf_timestamp,
    file_google_protobuf_wrappers,
  ].map((file) => [file.name + ".proto", file]),
);
