/**
 * `npm run bench:bundle`: the SDK's browser bundle budget. Bundles four pages that make the same
 * calls with the SDK and with raw Connect (pages/), from the built packages (the npm script builds them
 * first, so a stale dist/ is never measured), and writes the table to results.md. Budgets: WorkManagerClient ≤ 1.15× raw
 * createClient(WorkManager); ApiClient ≤ 1.25× raw clients of Gateway, State and Pubsub.
 */
import { writeMarkdown } from "../write-markdown.js";
import { fileURLToPath } from "node:url";
import { BUDGETS, esbuildPage, rollupPage } from "./measure.js";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;

const rows: string[] = [];
const breakdowns: string[] = [];
for (const pair of BUDGETS) {
  const [sdkE, rawE, sdkR, rawR] = await Promise.all([
    esbuildPage(here(`pages/${pair.sdk}.ts`)),
    esbuildPage(here(`pages/${pair.raw}.ts`)),
    rollupPage(here(`pages/${pair.sdk}.ts`)),
    rollupPage(here(`pages/${pair.raw}.ts`)),
  ]);
  const ratioE = sdkE.gzipped / rawE.gzipped;
  const ratioR = sdkR.initialGzipped / rawR.initialGzipped;
  const verdict = (ratio: number) => (ratio <= pair.budget ? "met" : "**missed**");
  rows.push(
    `| ${pair.name} | ${kb(sdkE.gzipped)} / ${kb(rawE.gzipped)} = ${ratioE.toFixed(3)}× (${verdict(ratioE)}) | ` +
      `${kb(sdkR.initialGzipped)} / ${kb(rawR.initialGzipped)} = ${ratioR.toFixed(3)}× (${verdict(ratioR)}) | ≤ ${pair.budget}× |`,
  );
  // What the SDK page carries beyond the raw page, module by module (esbuild's metafile).
  const raw = new Map(rawE.inputs.map((input) => [input.path, input.bytes]));
  const extra = sdkE.inputs
    .map((input) => ({ path: input.path, bytes: input.bytes - (raw.get(input.path) ?? 0) }))
    // Differences of a few bytes are only the minifier naming things differently.
    .filter((input) => input.bytes > 16)
    .sort((a, b) => b.bytes - a.bytes);
  const total = extra.reduce((sum, input) => sum + input.bytes, 0);
  breakdowns.push(
    `### ${pair.sdk}: what it carries beyond ${pair.raw} (esbuild metafile, minified bytes; ${total} in all)\n\n` +
      "| module | bytes |\n|---|--:|\n" +
      extra
        .slice(0, 25)
        .map((input) => `| \`${input.path}\` | ${input.bytes} |`)
        .join("\n"),
  );
}

const table = [
  "| page | esbuild (browser, one file), min+gz: SDK / raw | Rollup + node-resolve (browser), min+gz: SDK / raw | budget |",
  "|---|--:|--:|---|",
  ...rows,
].join("\n");
console.log(`\n${table}\n\n${breakdowns.join("\n\n")}`);
await writeMarkdown(
  here("results.md"),
  `# Bundle size, as measured (\`npm run bench:bundle\`, ${new Date().toISOString().slice(0, 10)})\n\n${table}\n\n${breakdowns.join("\n\n")}\n`,
);
