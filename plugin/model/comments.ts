/**
 * Proto comments by element, from one index of `sourceCodeInfo` built per file.
 *
 * protoplugin's getComments() scans every location of the file for every element it is asked
 * about, which makes a large file quadratic. Here each file's locations are indexed once by path
 * and every lookup is a map access, so the cost stays linear in the size of the file.
 */
import type { DescField, DescFile, DescMessage, DescMethod, DescService } from "@bufbuild/protobuf";

// Field numbers of descriptor.proto that make up source paths.
const FILE_MESSAGE_TYPE = 4;
const FILE_SERVICE = 6;
const MESSAGE_FIELD = 2;
const MESSAGE_NESTED_TYPE = 3;
const SERVICE_METHOD = 2;

/** Looks up the comments of the elements of a set of files. */
export interface CommentIndex {
  /** The comments of a service (leading, then trailing; without comment markers), or "". */
  service(desc: DescService): string;
  /** The comments of an RPC, or "". */
  method(desc: DescMethod): string;
  /** The comments of a message field, or "". */
  field(desc: DescField): string;
}

/** Creates a lazy comment index: each file is indexed the first time one of its elements is asked about. */
export function createCommentIndex(): CommentIndex {
  const byFile = new Map<DescFile, Map<string, string>>();
  const messagePaths = new Map<DescFile, Map<DescMessage, string>>();

  function locations(file: DescFile): Map<string, string> {
    let index = byFile.get(file);
    if (index === undefined) {
      index = new Map();
      for (const loc of file.proto.sourceCodeInfo?.location ?? []) {
        // Most locations (three in four in a commented file) have no comment: skip them before
        // allocating anything.
        if (loc.leadingComments === "" && loc.trailingComments === "") continue;
        // The leading comment, then the trailing one as a paragraph of its own (as protoc-gen-es
        // does); detached comments belong to no element.
        const text = [loc.leadingComments, loc.trailingComments]
          .filter((c): c is string => c !== undefined && c.trim() !== "")
          .map((c) => c.replace(/\n+$/, ""))
          .join("\n\n");
        if (text !== "") {
          index.set(loc.path.join("."), text);
        }
      }
      byFile.set(file, index);
    }
    return index;
  }

  function messagePath(desc: DescMessage): string {
    let paths = messagePaths.get(desc.file);
    if (paths === undefined) {
      paths = new Map();
      const walk = (messages: readonly DescMessage[], prefix: string, tag: number): void => {
        messages.forEach((m, i) => {
          const path = `${prefix}${tag}.${i}`;
          paths!.set(m, path);
          walk(m.nestedMessages, path + ".", MESSAGE_NESTED_TYPE);
        });
      };
      walk(desc.file.messages, "", FILE_MESSAGE_TYPE);
      messagePaths.set(desc.file, paths);
    }
    return paths.get(desc) ?? "";
  }

  return {
    service(desc) {
      return locations(desc.file).get(`${FILE_SERVICE}.${desc.file.services.indexOf(desc)}`) ?? "";
    },
    method(desc) {
      const service = desc.parent;
      const path = `${FILE_SERVICE}.${service.file.services.indexOf(service)}.${SERVICE_METHOD}.${service.methods.indexOf(desc)}`;
      return locations(service.file).get(path) ?? "";
    },
    field(desc) {
      const message = desc.parent;
      // desc.proto is the FieldDescriptorProto: its index in the message's declaration order.
      const path = `${messagePath(message)}.${MESSAGE_FIELD}.${message.proto.field.indexOf(desc.proto)}`;
      return locations(message.file).get(path) ?? "";
    },
  };
}
