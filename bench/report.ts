import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../src/paths.js";
import { median } from "./load.js";

/** The median of several runs, with the smallest and largest. */
export interface Stat {
  median: number;
  min: number;
  max: number;
}

export function stat(values: number[], digits = 2): Stat {
  const round = (value: number) => Math.round(value * 10 ** digits) / 10 ** digits;
  const known = values.filter((value) => Number.isFinite(value));
  if (known.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  return { median: round(median(known)), min: round(Math.min(...known)), max: round(Math.max(...known)) };
}

export const show = (s: Stat, unit = "") => `${s.median}${unit} (${s.min}–${s.max})`;

/** One line of the targets table: what issue 9 asks for, what was measured, and whether it holds. */
export interface Target {
  name: string;
  target: string;
  figure: string;
  met: boolean;
}

export function machine() {
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    node: process.version,
    note: "shared with other jobs while measured: figures are noisy",
  };
}

/** Prints the figures and the targets, and writes bench/results/latest.json. */
export function publish(results: Record<string, unknown>, figures: [string, string][], targets: Target[]): string {
  const out = process.stdout;
  const pad = (rows: string[][]) => {
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length))) ?? [];
    for (const row of rows) out.write(`${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join("  ")}\n`);
  };
  out.write("\nfigures — median of the runs (min–max)\n");
  pad(figures.map(([name, value]) => [name, value]));
  out.write("\ntargets (issue 9, for a 2-core machine)\n");
  pad([
    ["target", "wanted", "measured", "met"],
    ...targets.map((t) => [t.name, t.target, t.figure, t.met ? "yes" : "NO — missed"]),
  ]);
  const missed = targets.filter((t) => !t.met).length;
  out.write(missed === 0 ? "\nevery target met\n" : `\n${missed} of ${targets.length} targets missed\n`);
  const dir = join(packageRoot(), "bench", "results");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "latest.json");
  writeFileSync(file, `${JSON.stringify({ ...results, targets }, null, 2)}\n`);
  out.write(`written to ${file}\n`);
  return file;
}
