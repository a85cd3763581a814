/**
 * Writes a benchmark's markdown report as the repository's prettier settings format it, so that
 * `npm run format:check` (part of `npm test`) passes right after a `--write` run: the reports'
 * tables are built as plain rows, and prettier aligns their columns.
 */
import { writeFileSync } from "node:fs";
import { format, resolveConfig } from "prettier";

/** Formats `text` as markdown with the settings that apply to `path`, and writes it there. */
export async function writeMarkdown(path: string, text: string): Promise<void> {
  const config = await resolveConfig(path);
  writeFileSync(path, await format(text, { ...config, filepath: path }));
}
