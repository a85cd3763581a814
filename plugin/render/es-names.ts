/**
 * The names and import paths of what protoc-gen-es exports, computed once per file.
 *
 * protoplugin's `importSchema()`/`importShape()` recompute the names of every type of a file on
 * each call, which makes a file with thousands of types quadratic (minutes for 2,000 messages).
 * Here each file's names are computed in one pass, following protoc-gen-es's convention: the
 * type name without the package, dots as underscores (`Parent_Child`), `Schema` appended for
 * message and enum descriptors, clashes resolved in declaration order with `$`, `$1`, `$2`, ...
 * A test checks these names against protoplugin's for every golden case.
 */
import type { DescEnum, DescExtension, DescFile, DescMessage, DescService } from "@bufbuild/protobuf";
import { wktPublicImportPaths } from "@bufbuild/protobuf/codegenv2";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import { safeIdentifier } from "@bufbuild/protoplugin";

type Named = DescMessage | DescEnum | DescExtension | DescService;

/** Where protoc-gen-es puts a type and under which names. */
export interface EsNames {
  /** The exported name of a descriptor (`FooSchema`, a service's `Foo`). */
  descName(desc: Named): string;
  /** The exported name of a message's or enum's TypeScript type (`Foo`). */
  shapeName(desc: DescMessage | DescEnum): string;
  /** The module to import a type from, relative to the output root or a package path. */
  importPath(desc: Named): string;
}

interface FileNames {
  readonly shapes: Map<Named, string>;
  readonly descs: Map<Named, string>;
}

/** The type name without the package, nested names joined by "_". */
function identifier(desc: Named): string {
  const pkg = desc.file.proto.package;
  return desc.typeName.substring(pkg.length > 0 ? pkg.length + 1 : 0).replace(/\./g, "_");
}

/** The first free name among base, base$, base$1, base$2, ... (made a safe identifier). */
function claim(base: string, taken: Set<string>): string {
  for (let i = 0; ; i++) {
    const name = safeIdentifier(base + (i === 0 ? "" : i === 1 ? "$" : `$${i - 1}`));
    if (!taken.has(name)) {
      taken.add(name);
      return name;
    }
  }
}

function computeFileNames(file: DescFile): FileNames {
  const types = [...nestedTypes(file)];
  const taken = new Set<string>();
  const shapes = new Map<Named, string>();
  // Shapes first: they get the plain names.
  for (const desc of types) {
    if (desc.kind === "message" || desc.kind === "enum") {
      shapes.set(desc, claim(identifier(desc), taken));
    }
  }
  // Then descriptors, the file's own descriptor first.
  claim("file_" + file.name.replace(/[^a-zA-Z0-9_]+/g, "_"), taken);
  const descs = new Map<Named, string>();
  for (const desc of types) {
    const suffix = desc.kind === "message" || desc.kind === "enum" ? "Schema" : "";
    descs.set(desc, claim(identifier(desc) + suffix, taken));
  }
  return { shapes, descs };
}

/**
 * Creates the name table of one generation run.
 * @param filesToGenerate the request's files to generate (a well-known type among them is
 *   imported from its generated file, not from @bufbuild/protobuf/wkt)
 * @param bootstrapWkt protoplugin's bootstrap_wkt option
 */
export function createEsNames(filesToGenerate: readonly DescFile[], bootstrapWkt: boolean): EsNames {
  const byFile = new Map<DescFile, FileNames>();
  const generated = new Set(filesToGenerate);
  const names = (file: DescFile): FileNames => {
    let n = byFile.get(file);
    if (n === undefined) {
      n = computeFileNames(file);
      byFile.set(file, n);
    }
    return n;
  };
  const lookup = (map: Map<Named, string>, desc: Named): string => {
    const name = map.get(desc);
    if (name === undefined) {
      throw new Error(`no generated name for ${desc.toString()}`);
    }
    return name;
  };
  return {
    descName: (desc) => lookup(names(desc.file).descs, desc),
    shapeName: (desc) => lookup(names(desc.file).shapes, desc),
    importPath(desc) {
      const wkt = wktPublicImportPaths[desc.file.proto.name];
      if (wkt !== undefined && !bootstrapWkt && !generated.has(desc.file)) {
        return wkt;
      }
      return "./" + desc.file.name + "_pb.js";
    },
  };
}
