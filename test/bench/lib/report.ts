import { round } from "./stats.js";

/** One line of the results table: a figure beside its baseline from the same run. */
export interface ResultRow {
  benchmark: string;
  metric: string;
  unit: string;
  value: number;
  /** The same figure for the baseline (what the platform is compared against). */
  baseline: number;
  /** value / baseline; null when the baseline is 0. */
  ratio: number | null;
  /** Which direction is good for this metric: reading a ratio needs it. */
  better: "lower" | "higher";
}

/** What one benchmark hands back: its rows, what the baseline was, and anything worth keeping. */
export interface BenchmarkOutcome {
  rows: ResultRow[];
  /** One sentence: what the baseline measured. */
  baseline: string;
  /** Findings a reader must not miss (failed calls, growth, errors). */
  findings: string[];
  /** Raw figures behind the rows (summaries, counts, settings). */
  details: Record<string, unknown>;
}

export function row(
  benchmark: string,
  metric: string,
  unit: string,
  value: number,
  baseline: number,
  better: "lower" | "higher",
): ResultRow {
  const ratio = baseline === 0 ? null : round(value / baseline, 3);
  return { benchmark, metric, unit, value: round(value, 3), baseline: round(baseline, 3), ratio, better };
}

function show(value: number, unit: string): string {
  if (!Number.isFinite(value)) return String(value);
  const digits = Number.isInteger(value) || Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const text = value.toFixed(digits);
  return unit === "" ? text : `${text} ${unit}`;
}

function showRatio(r: ResultRow): string {
  if (r.ratio === null) return `n/a (${r.better} is better)`;
  return `${r.ratio.toFixed(2)}x (${r.better} is better)`;
}

export interface RunSummary {
  results: { name: string; title: string; outcome: BenchmarkOutcome | null; error: string | null }[];
}

/** The markdown table (benchmark, metric, value, baseline, ratio), then each baseline and the findings. */
export function markdownTable(summary: RunSummary): string {
  const lines = ["| benchmark | metric | value | baseline | ratio |", "|---|---|---|---|---|"];
  for (const result of summary.results) {
    if (!result.outcome) {
      lines.push(`| ${result.title} | (failed) | ${result.error?.split("\n")[0] ?? ""} | | |`);
      continue;
    }
    for (const r of result.outcome.rows) {
      lines.push(
        `| ${result.title} | ${r.metric} | ${show(r.value, r.unit)} | ${show(r.baseline, r.unit)} | ${showRatio(r)} |`,
      );
    }
  }
  lines.push("", "Baselines:");
  for (const result of summary.results) {
    if (result.outcome) lines.push(`- ${result.title}: ${result.outcome.baseline}`);
  }
  const findings = summary.results.flatMap((result) => [
    ...(result.outcome?.findings ?? []).map((f) => `- ${result.title}: ${f}`),
    ...(result.error ? [`- ${result.title}: FAILED: ${result.error.split("\n")[0]}`] : []),
  ]);
  if (findings.length > 0) lines.push("", "Findings:", ...findings);
  return lines.join("\n");
}
