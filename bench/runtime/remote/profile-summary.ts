/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time by package or folder (where
 * the time goes) and the functions with the most self time. `npx tsx profile-summary.ts FILE [N]`.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Where a script belongs: a package in node_modules, our own folder, Node's internals. */
function owner(url: string, name: string): string {
  if (url === "") return name.startsWith("(") ? name : "(native/V8)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith("node:")) return `node:${url.slice(5).split("/")[0]}`;
  const own = /wt-[^/]+\/([^/]+)\//.exec(url) ?? /\/work\/[^/]+\/([^/]+)\//.exec(url);
  return own ? `ours: ${own[1]}/` : url;
}

const file = process.argv[2];
if (!file) throw new Error("usage: profile-summary.ts FILE.cpuprofile [top N]");
const top = Number(process.argv[3] ?? 25);
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const group = (key: (n: ProfileNode) => string): [string, number][] => {
  const sums = new Map<string, number>();
  for (const [id, us] of self) {
    const k = key(byId.get(id)!);
    sums.set(k, (sums.get(k) ?? 0) + us);
  }
  return [...sums].sort((a, b) => b[1] - a[1]);
};
const pct = (us: number): string => `${((us / total) * 100).toFixed(1).padStart(5)} %`;
console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled`);
console.log("\nSelf time by owner:");
for (const [k, us] of group((n) => owner(n.callFrame.url, n.callFrame.functionName)).slice(0, 20))
  console.log(`${pct(us)}  ${k}`);
console.log(`\nTop ${top} functions by self time:`);
for (const [k, us] of group(
  (n) =>
    `${n.callFrame.functionName || "(anonymous)"}  ${owner(n.callFrame.url, n.callFrame.functionName)}:${n.callFrame.url.split("/").pop()}:${n.callFrame.lineNumber + 1}`,
).slice(0, top)) {
  console.log(`${pct(us)}  ${k}`);
}
