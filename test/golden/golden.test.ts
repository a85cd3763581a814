/**
 * Golden files: each case's protos go through protoc-gen-es and our plugin (in process), and the
 * output must equal the committed expected/ folder byte for byte. The `virtufin` case compares
 * the repository's proto/ with generated/, so a stale SDK fails here too.
 *
 * UPDATE_GOLDEN=1 npx vitest run test/golden   rewrites the expected folders (and generated/).
 */
import { describe, expect, it } from "vitest";
import { generateCase, goldenCases, readTree, writeTree } from "./run-plugins.js";

const update = process.env["UPDATE_GOLDEN"] === "1";

describe("golden output", () => {
  for (const c of goldenCases()) {
    it(`${c.name}: generated output equals ${update ? "(updating) " : ""}the committed files`, () => {
      const actual = generateCase(c);
      expect(actual.size).toBeGreaterThan(0);
      if (update) {
        writeTree(c.expectedDir, actual);
      }
      const expected = readTree(c.expectedDir);
      expect([...actual.keys()]).toEqual([...expected.keys()]);
      for (const [name, content] of actual) {
        expect(content, `${c.name}: ${name}`).toBe(expected.get(name));
      }
    }, 60_000);
  }

  it("generating twice gives the same bytes (no timestamps, stable order)", () => {
    const c = goldenCases().find((x) => x.name === "name-clash")!;
    expect(generateCase(c)).toEqual(generateCase(c));
  }, 60_000);
});
