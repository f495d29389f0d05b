/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self and total time per function, limited
 * to the samples taken inside a given function (e.g. only the timed scoring loop, not the setup).
 *
 * Usage: npx tsx bench/lib/cpuprofile.ts <file.cpuprofile> [--within timeScoring] [--lines scoreClient] [--top 25]
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
  /** Samples per source line (1-based) where this node was on top. */
  positionTicks?: Array<{ line: number; ticks: number }>;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Time attributed to one function (µs): `self` where it was on top, `total` where it was on the stack. */
export interface FunctionTime {
  name: string;
  self: number;
  total: number;
}

/** Self and total time per function of the samples whose stack contains `within` (all samples when null). */
export function summarizeProfile(profile: CpuProfile, within: string | null): { total: number; rows: FunctionTime[] } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const label = (node: ProfileNode) =>
    `${node.callFrame.functionName || "(anonymous)"} ${basename(node.callFrame.url || "")}:${node.callFrame.lineNumber + 1}`;
  const rows = new Map<string, FunctionTime>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    const stack: ProfileNode[] = [];
    for (let id: number | undefined = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      const node = byId.get(id);
      if (node) stack.push(node);
    }
    const inside = within === null ? stack.length : stack.findIndex((n) => n.callFrame.functionName === within);
    if (inside < 0) continue;
    total += delta;
    const seen = new Set<string>();
    stack.slice(0, within === null ? stack.length : inside + 1).forEach((node, depth) => {
      const name = label(node);
      const row = rows.get(name) ?? { name, self: 0, total: 0 };
      if (depth === 0) row.self += delta;
      if (!seen.has(name)) row.total += delta;
      seen.add(name);
      rows.set(name, row);
    });
  }
  return { total, rows: [...rows.values()].sort((a, b) => b.self - a.self) };
}

/**
 * Self samples per source line of the function named `name` (summed over its profile nodes, only those
 * called from `within` when given), hottest
 * first, with the line's text when the profiled file is readable (profile a plain JS bundle for this:
 * transpiled TypeScript loses its line structure).
 */
export function hotLines(
  profile: CpuProfile,
  name: string,
  within: string | null = null,
): Array<{ url: string; line: number; ticks: number; text: string }> {
  const parent = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node);
  const isInside = (node: ProfileNode) => {
    for (let at: ProfileNode | undefined = node; at; at = parent.get(at.id)) {
      if (at.callFrame.functionName === within) return true;
    }
    return false;
  };
  const ticks = new Map<string, { url: string; line: number; ticks: number }>();
  for (const node of profile.nodes) {
    if (node.callFrame.functionName !== name || (within !== null && !isInside(node))) continue;
    for (const position of node.positionTicks ?? []) {
      const key = `${node.callFrame.url}:${position.line}`;
      const entry = ticks.get(key) ?? { url: node.callFrame.url, line: position.line, ticks: 0 };
      entry.ticks += position.ticks;
      ticks.set(key, entry);
    }
  }
  const sources = new Map<string, string[]>();
  const sourceLine = (url: string, line: number) => {
    if (!sources.has(url)) {
      try {
        sources.set(url, readFileSync(url.startsWith("file://") ? fileURLToPath(url) : url, "utf8").split("\n"));
      } catch {
        sources.set(url, []);
      }
    }
    return (sources.get(url)?.[line - 1] ?? "").trim();
  };
  return [...ticks.values()]
    .sort((a, b) => b.ticks - a.ticks)
    .map((entry) => ({ ...entry, text: sourceLine(entry.url, entry.line) }));
}

function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { within: { type: "string" }, lines: { type: "string" }, top: { type: "string", default: "25" } },
  });
  if (positionals.length !== 1) throw new Error("usage: cpuprofile.ts <file.cpuprofile> [--within fn] [--top N]");
  const profile = JSON.parse(readFileSync(positionals[0], "utf8")) as CpuProfile;
  const { total, rows } = summarizeProfile(profile, values.within ?? null);
  const pct = (v: number) => `${((100 * v) / total).toFixed(1).padStart(5)}%`;
  console.log(`${(total / 1000).toFixed(0)} ms sampled${values.within ? ` inside ${values.within}` : ""}`);
  console.log("  self    total   function");
  for (const row of rows.slice(0, Number(values.top))) console.log(`${pct(row.self)}  ${pct(row.total)}  ${row.name}`);
  if (values.lines) {
    const lines = hotLines(profile, values.lines, values.within ?? null);
    const sum = lines.reduce((acc, l) => acc + l.ticks, 0);
    console.log(`\nHot lines of ${values.lines} (${sum} self samples)`);
    for (const l of lines.slice(0, Number(values.top))) {
      console.log(
        `${((100 * l.ticks) / sum).toFixed(1).padStart(5)}%  ${String(l.line).padStart(5)}  ${l.text.slice(0, 110)}`,
      );
    }
  }
}

if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) main();
