/**
 * plugin/render/es-names.ts computes protoc-gen-es's export names itself (protoplugin's lookup
 * is quadratic). This test checks that for every type of every golden case, the name and the
 * import path equal what protoplugin's importSchema() and importShape() give.
 */
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import { createEcmaScriptPlugin } from "@bufbuild/protoplugin";
import { expect, it } from "vitest";
import { createEsNames } from "../../plugin/render/index.js";
import { buildCodeGeneratorRequest } from "../golden/code-generator-request.js";
import { goldenCases } from "../golden/run-plugins.js";

it.each(goldenCases().map((c) => [c.name, c.protoDir]))(
  "%s: names and import paths agree with protoplugin's",
  (_name, protoDir) => {
    const mismatches: string[] = [];
    let checked = 0;
    const plugin = createEcmaScriptPlugin({
      name: "names-check",
      version: "v0",
      generateTs(schema) {
        const names = createEsNames(schema.files, schema.options.bootstrapWkt);
        const f = schema.generateFile("check.ts");
        for (const file of schema.allFiles) {
          for (const desc of nestedTypes(file)) {
            const theirs = f.importSchema(desc);
            const ours = `${names.descName(desc)} from ${names.importPath(desc)}`;
            checked++;
            if (`${theirs.name} from ${theirs.from}` !== ours) {
              mismatches.push(`${desc.toString()}: ${theirs.name} from ${theirs.from} != ${ours}`);
            }
            if (desc.kind === "message" || desc.kind === "enum") {
              const shape = f.importShape(desc);
              if (`${shape.name} from ${shape.from}` !== `${names.shapeName(desc)} from ${names.importPath(desc)}`) {
                mismatches.push(`${desc.toString()} (shape): ${shape.name} != ${names.shapeName(desc)}`);
              }
            }
          }
        }
      },
    });
    const res = plugin.run(buildCodeGeneratorRequest(protoDir, "target=ts"));
    expect(res.error ?? "").toBe("");
    expect(checked).toBeGreaterThan(10);
    expect(mismatches).toEqual([]);
  },
  60_000,
);
