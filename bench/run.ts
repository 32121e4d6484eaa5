/**
 * `npm run bench [name...]`: runs every suite in bench/suites/ (or the named ones) one after the
 * other and prints its figures. Suites report ratios against a baseline measured in the same run,
 * because absolute numbers on a shared 2-core machine are noise. Record results with the command in
 * BENCHMARKS.md.
 */
import { readdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";

export interface BenchResult {
  /** Lines of the report, each a figure a person can read on its own. */
  lines: string[];
  /** Targets from the issues, with whether this run met them. */
  targets?: { name: string; met: boolean; detail: string }[];
}

const dir = join(import.meta.dirname, "suites");
const wanted = process.argv.slice(2);
const files = (await readdir(dir)).filter((f) => f.endsWith(".ts")).sort();
let missed = 0;
for (const file of files) {
  const name = basename(file, ".ts");
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  process.stdout.write(`\n## ${name}\n`);
  const mod = (await import(pathToFileURL(join(dir, file)).href)) as { default: () => Promise<BenchResult> };
  const result = await mod.default();
  for (const line of result.lines) process.stdout.write(`${line}\n`);
  for (const t of result.targets ?? []) {
    process.stdout.write(`target ${t.met ? "met" : "MISSED"}: ${t.name} (${t.detail})\n`);
    if (!t.met) missed++;
  }
}
process.exitCode = missed > 0 ? 1 : 0;
