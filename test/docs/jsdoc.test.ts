// Every exported symbol of the project's own code carries JSDoc: the runtime and platform client
// users import, the generated clients, the emulator, the plugin and the runners. Inspected with
// ts-morph, as users' editors would show it.
import { Node, Project, type ExportedDeclarations } from "ts-morph";
import { describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url).pathname;
const FOLDERS = ["runtime", "platform", "emulator", "plugin", "generated"];

function hasDocs(declaration: ExportedDeclarations): boolean {
  // A variable's docs sit on its statement; re-exports are documented where they are declared.
  const target = Node.isVariableDeclaration(declaration) ? declaration.getVariableStatement() : declaration;
  if (!target) return false;
  if (Node.isJSDocable(target) && target.getJsDocs().length > 0) return true;
  // Overloaded functions and methods: any documented signature counts.
  if (Node.isFunctionDeclaration(target)) return target.getOverloads().some((o) => o.getJsDocs().length > 0);
  return false;
}

describe("documentation", () => {
  it("documents every exported symbol", () => {
    const project = new Project({ tsConfigFilePath: `${root}tsconfig.json`, skipAddingFilesFromTsConfig: true });
    for (const folder of FOLDERS) project.addSourceFilesAtPaths([`${root}${folder}/**/*.ts`, `!${root}${folder}/**/*.test.ts`]);
    const missing: string[] = [];
    for (const file of project.getSourceFiles()) {
      const path = file.getFilePath().slice(root.length);
      // protoc-gen-es output is documented by protoc-gen-es from the proto comments.
      if (path.endsWith("_pb.ts") || path.endsWith(".generated.ts")) continue;
      for (const [name, declarations] of file.getExportedDeclarations()) {
        for (const declaration of declarations) {
          if (declaration.getSourceFile() !== file) continue;
          if (!hasDocs(declaration)) missing.push(`${path}: ${name}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
