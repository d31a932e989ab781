import type { JobResource, JobStep } from "@arcade/contracts";
import { duration, shortSha } from "./format.js";

const MARKS: Record<JobStep["state"], string> = {
  pending: "·",
  running: "…",
  succeeded: "✓",
  failed: "✗",
  skipped: "-",
};

export function stepMark(state: JobStep["state"]): string {
  return MARKS[state] ?? "?";
}

/** One progress line for a step that changed, e.g. "  ✓ verify  0.12s". */
export function stepLine(step: JobStep): string {
  const took =
    step.state === "succeeded" || step.state === "failed" ? duration(step.startedAt, step.finishedAt) : "";
  const suffix = step.state === "skipped" ? " (skipped)" : step.state === "running" ? " ..." : "";
  const label = `${step.name}${suffix}`;
  return `  ${stepMark(step.state)} ${took ? `${label.padEnd(9)} ${took}` : label}`;
}

/** All steps on one line: "✓ fetch  ✓ verify  … inspect  · store". */
export function stepsSummary(steps: JobStep[]): string {
  return steps.map((s) => `${stepMark(s.state)} ${s.name}`).join("  ");
}

export function jobTitle(job: JobResource): string {
  return `${job.type}${job.pluginId ? ` ${job.pluginId}` : ""}`;
}

/** The outcome of a finished (or still running) job. */
export function jobResultLines(job: JobResource): string[] {
  const took = duration(job.createdAt, job.finishedAt);
  if (job.state === "succeeded") {
    const result = job.result;
    // An update to the version and bytes already installed succeeds without changing anything.
    const alreadyThere = job.type === "update" && result?.changed === false && result.version;
    const lines = [
      alreadyThere
        ? `✓ ${jobTitle(job)}: already at ${result.version} (same version and content), nothing changed`
        : `✓ ${jobTitle(job)} succeeded${took ? ` in ${took}` : ""}`,
    ];
    if (result?.version) lines.push(`  version   ${result.version}`);
    if (result?.checksum) lines.push(`  sha256    ${shortSha(result.checksum)}`);
    if (typeof result?.signedBy === "string") lines.push(`  signed by ${result.signedBy}`);
    if (Array.isArray(result?.cascaded) && result.cascaded.length > 0) {
      const done = job.type === "uninstall" ? "uninstalled" : "disabled";
      lines.push(`  cascaded  ${result.cascaded.join(", ")} (${done} first: they depend on it)`);
    }
    if (result && result.changed === false && !alreadyThere) {
      lines.push("  (nothing to change: it was already in that state)");
    }
    lines.push(...nodeLines(job));
    return lines;
  }
  if (job.state === "failed") {
    const error = job.error;
    const lines = [`✗ ${jobTitle(job)} failed${took ? ` after ${took}` : ""}`];
    if (error) lines.push(`  ${error.code}: ${error.message}`);
    for (const e of error?.errors ?? []) lines.push(`  ${e.path || "/"}: ${e.message}`);
    if (job.attempts > 1) lines.push(`  (${job.attempts} attempts)`);
    return lines;
  }
  return [`${jobTitle(job)} is ${job.state}${job.step ? ` (step ${job.step})` : ""}`];
}

function nodeLines(job: JobResource): string[] {
  const nodes = job.result?.nodes;
  if (!nodes) return [];
  const lines = [`  nodes     ${nodes.applied}/${nodes.expected} applied`];
  for (const f of nodes.failed ?? []) lines.push(`  ✗ node ${f.nodeId}: ${f.error}`);
  if (nodes.applied < nodes.expected && (nodes.failed ?? []).length === 0) {
    lines.push(
      "  some nodes have not confirmed yet; they converge on their next reconcile (`arcade-plugins nodes`)",
    );
  }
  return lines;
}
