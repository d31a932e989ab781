import type { ConvergenceNodes, JobResource, JobStep } from "@arcade/contracts";
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
    // A change no node could load (PLUGIN_LOAD_FAILED): the count, then what the job undid.
    const nodes = convergenceNodes(error?.nodes);
    if (nodes) lines.push(`  nodes     ${nodes.applied.length}/${nodes.expected} applied`);
    const recovery = recoveryLine(error?.recovery);
    if (recovery) lines.push(`  recovery  ${recovery}`);
    if (typeof error?.detail === "string") lines.push(`  ${error.detail}`);
    if (job.attempts > 1) lines.push(`  (${job.attempts} attempts)`);
    return lines;
  }
  return [`${jobTitle(job)} is ${job.state}${job.step ? ` (step ${job.step})` : ""}`];
}

/** applied/expected, then the nodes that applied, failed (with their errors) or did not answer. */
function nodeLines(job: JobResource): string[] {
  const nodes = convergenceNodes(job.result?.nodes);
  if (!nodes) return [];
  const lines = [
    `  nodes     ${nodes.applied.length}/${nodes.expected} applied${nodes.degraded ? " (degraded)" : ""}`,
  ];
  if (nodes.applied.length > 0 && nodes.applied.length < nodes.expected) {
    lines.push(`  ✓ applied ${nodes.applied.join(", ")}`);
  }
  for (const f of nodes.failed) lines.push(`  ✗ node ${f.nodeId}: ${f.error}`);
  for (const nodeId of nodes.pending) {
    lines.push(`  … node ${nodeId}: no answer within node.convergence_timeout`);
  }
  if (nodes.degraded) {
    lines.push("  degraded: some nodes do not run it; see their errors above (`arcade-plugins nodes`)");
  } else if (nodes.pending.length > 0) {
    lines.push("  nodes that did not answer converge on their next reconcile (`arcade-plugins nodes`)");
  }
  return lines;
}

/** `nodes` of a job result or error, when it has the ConvergenceNodes shape (an older server's does not). */
function convergenceNodes(value: unknown): ConvergenceNodes | null {
  const nodes = value as Partial<ConvergenceNodes> | null | undefined;
  if (typeof nodes?.expected !== "number" || !Array.isArray(nodes.applied)) return null;
  return {
    expected: nodes.expected,
    applied: nodes.applied,
    failed: Array.isArray(nodes.failed) ? nodes.failed : [],
    pending: Array.isArray(nodes.pending) ? nodes.pending : [],
    ...(nodes.degraded ? { degraded: true } : {}),
  };
}

/** What a job undid after no node could load its change (the error's `recovery`). */
function recoveryLine(value: unknown): string | null {
  const recovery = value as { action?: unknown; version?: unknown } | null | undefined;
  switch (recovery?.action) {
    case "uninstalled":
      return "the install was rolled back: the plugin was removed";
    case "restored-version":
      return `back on ${typeof recovery.version === "string" ? recovery.version : "the previous version"}, which keeps serving`;
    case "disabled":
      return "the plugin was disabled again";
    case "restored-config":
      return "the previous config was stored again and keeps serving";
    case "none":
      return "nothing was undone";
    default:
      return null;
  }
}
