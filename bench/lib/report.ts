/**
 * Output of the benchmarks: fixed-width tables and a "targets" block printed as they are measured,
 * the same numbers as JSON in bench/results/<name>-<timestamp>.json, and the printed text as the
 * latest table of that benchmark in docs/performance.md (its own marked section; the rest of the
 * document is hand-written and left alone).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { type MachineInfo, machineLine } from "./machine";

/** Repository root (bench/lib/../..). */
export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** Where the JSON results go (gitignored). */
export const RESULTS_DIR = join(PROJECT_ROOT, "bench", "results");
/** The committed document with the latest tables. */
export const PERFORMANCE_DOC = join(PROJECT_ROOT, "docs", "performance.md");

/** A table column: its title and alignment (numbers right, labels left). */
export interface Column {
  title: string;
  align?: "left" | "right";
}

/** Renders rows under the column titles with every column padded to its widest cell. */
export function renderTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string[] {
  const widths = columns.map((column, i) => Math.max(column.title.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    columns
      .map((column, i) => {
        const cell = cells[i] ?? "";
        return column.align === "left" ? cell.padEnd(widths[i]) : cell.padStart(widths[i]);
      })
      .join("  ")
      .trimEnd();
  return [
    line(columns.map((c) => c.title)),
    widths
      .map((w) => "-".repeat(w))
      .join("  ")
      .trimEnd(),
    ...rows.map(line),
  ];
}

/**
 * One target of the issue checked against this run. `value` is what the target limits (a ratio or
 * a time) and `limit` its allowed maximum; `value` NaN means it could not be measured in this run,
 * +Infinity that the run shows it unbounded (e.g. a route that cannot hold the rate it is judged at).
 */
export interface TargetCheck {
  target: string;
  value: number;
  limit: number;
  /** How `value` reads, e.g. "2.41× the floor (p50 41.2 µs vs 17.1 µs)". */
  measured: string;
}

/** PASS / MISS / N/A of a target. */
export function verdict(check: TargetCheck): "PASS" | "MISS" | "N/A" {
  if (Number.isNaN(check.value)) return "N/A";
  return check.value <= check.limit ? "PASS" : "MISS";
}

/** Fixed-point number, or "n/a" for a missing value. */
export function fixed(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}

/** A ratio such as "2.41×", or "n/a". */
export function times(value: number, digits = 2): string {
  return Number.isFinite(value) ? `${value.toFixed(digits)}×` : "n/a";
}

/** A byte count in B / KiB / MiB. */
export function bytes(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  if (value < 1024) return `${value} B`;
  if (value < 1024 ** 2) return `${(value / 1024).toFixed(1)} KiB`;
  return `${(value / 1024 ** 2).toFixed(1)} MiB`;
}

/** Milliseconds with a unit that keeps three significant digits (µs below 1 ms). */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return "n/a";
  if (ms < 1) return `${(ms * 1000).toFixed(ms < 0.01 ? 2 : 1)} µs`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** "20261122T071400Z" for file names. */
function stamp(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
}

/**
 * Collects what one benchmark prints, prints it at once (long runs show progress), and at the end
 * writes the JSON result and the document section.
 */
export class BenchReport {
  private readonly lines: string[] = [];
  private readonly checks: TargetCheck[] = [];

  /**
   * @param name file-name prefix and document section, e.g. "core"
   * @param command the command that produces this report, e.g. "npm run bench:core"
   */
  constructor(
    readonly name: string,
    readonly command: string,
    readonly machine: MachineInfo,
  ) {
    this.print(`${command} — ${machineLine(machine)}`);
  }

  /** Prints a line and keeps it for the document. */
  print(line = ""): void {
    console.log(line);
    this.lines.push(line);
  }

  /** Prints a titled fixed-width table. */
  table(title: string, columns: readonly Column[], rows: readonly (readonly string[])[]): void {
    this.print();
    this.print(title);
    for (const line of renderTable(columns, rows)) this.print(`  ${line}`);
  }

  /** Prints indented notes under the last table. */
  notes(...notes: string[]): void {
    for (const note of notes) this.print(`  ${note}`);
  }

  /** Records a target; they are printed together by `printTargets`. */
  target(check: TargetCheck): void {
    this.checks.push(check);
  }

  /** The targets recorded so far with their verdicts. */
  get targets(): Array<TargetCheck & { verdict: string }> {
    return this.checks.map((check) => ({ ...check, verdict: verdict(check) }));
  }

  /** Prints the targets block. */
  printTargets(): void {
    this.print();
    this.print("Targets");
    const width = Math.max(...this.checks.map((c) => c.target.length));
    for (const check of this.checks)
      this.print(`  ${verdict(check).padEnd(4)}  ${check.target.padEnd(width)}  ${check.measured}`);
  }

  /**
   * Writes bench/results/<name>-<timestamp>.json (machine, targets and `data`) and replaces this
   * benchmark's section of docs/performance.md with the printed text. Returns the JSON path.
   */
  finish(data: unknown): string {
    const loadAverageAtEnd = Math.round(loadavg()[0] * 100) / 100;
    this.print();
    this.print(`Load average at the end: ${loadAverageAtEnd} (${this.machine.cores} cores).`);
    mkdirSync(RESULTS_DIR, { recursive: true });
    const file = join(RESULTS_DIR, `${this.name}-${stamp(new Date(this.machine.date))}.json`);
    const payload = {
      benchmark: this.name,
      command: this.command,
      machine: this.machine,
      finishedAt: new Date().toISOString(),
      loadAverageAtEnd,
      targets: this.targets,
      data,
    };
    writeFileSync(file, `${JSON.stringify(payload, (_key, value) => (Number.isNaN(value) ? null : value), 2)}\n`);
    const resultPath = relative(PROJECT_ROOT, file);
    updatePerformanceDoc(this.name, [
      `Command: \`${this.command}\` · machine: ${machineLine(this.machine)} · JSON: \`${resultPath}\``,
      "",
      "```text",
      ...this.lines,
      "```",
    ]);
    console.log(`\nResults: ${resultPath}; table updated in ${relative(PROJECT_ROOT, PERFORMANCE_DOC)}.`);
    return file;
  }
}

/**
 * Replaces the text between `<!-- bench:NAME:begin -->` and `<!-- bench:NAME:end -->` in
 * docs/performance.md, or appends a new section when the markers are missing.
 */
export function updatePerformanceDoc(name: string, body: readonly string[]): void {
  const begin = `<!-- bench:${name}:begin -->`;
  const end = `<!-- bench:${name}:end -->`;
  const block = [begin, ...body, end].join("\n");
  const current = existsSync(PERFORMANCE_DOC) ? readFileSync(PERFORMANCE_DOC, "utf8") : "# Performance\n";
  const from = current.indexOf(begin);
  const to = current.indexOf(end);
  const next =
    from >= 0 && to > from
      ? current.slice(0, from) + block + current.slice(to + end.length)
      : `${current.trimEnd()}\n\n## bench:${name}\n\n${block}\n`;
  writeFileSync(PERFORMANCE_DOC, next);
}
