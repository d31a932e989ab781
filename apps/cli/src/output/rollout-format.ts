import type { JobResource, RolloutState } from "@arcade/contracts";

/** The rollout state a job's result carries (`result.rollout`), when it has one. */
export function jobRollout(job: JobResource): RolloutState | null {
  const value = job.result?.rollout as Partial<RolloutState> | null | undefined;
  if (typeof value?.status !== "string" || !Array.isArray(value.steps)) return null;
  return value as RolloutState;
}

/**
 * One line for a change of a rollout (live `rollout` events while following a job), e.g.
 * "  ⇢ rollout canary step 1/3 holding until 10:02:05  1.0.0: b, c  2.0.0: a".
 */
export function rolloutProgressLine(rollout: RolloutState): string {
  const where = `step ${rollout.step + 1}/${rollout.steps.length}`;
  const phase =
    rollout.status === "running"
      ? rollout.phase === "holding" && rollout.holdUntil
        ? `holding until ${clock(rollout.holdUntil)}`
        : rollout.phase
      : rollout.status;
  const reason = rollout.reason && rollout.status !== "running" ? ` (${rollout.reason})` : "";
  return `  ⇢ rollout ${rollout.strategy} ${where} ${phase}  ${versionsLine(rollout)}${reason}`;
}

/** The rollout block of `jobs get`: status, step, nodes per version, the last verdict, how to act. */
export function rolloutLines(job: JobResource): string[] {
  const rollout = jobRollout(job);
  if (!rollout) return [];
  const lines = [
    `  rollout   ${rollout.strategy} ${rollout.fromVersion ?? "(new)"} -> ${rollout.toVersion}: ${rollout.status}, step ${rollout.step + 1}/${rollout.steps.length} (${rollout.phase})`,
  ];
  for (const [version, nodes] of Object.entries(rollout.nodesByVersion)) {
    lines.push(`    ${version.padEnd(10)} ${nodes.join(", ")}`);
  }
  if (rollout.holdUntil && rollout.status === "running")
    lines.push(`    hold until ${clock(rollout.holdUntil)}`);
  const verdict = rollout.verdict;
  if (verdict) {
    const c = verdict.canary;
    const rate = c.errorRate === null ? "-" : `${(c.errorRate * 100).toFixed(1)}%`;
    lines.push(
      `    verdict   ${verdict.decision}: ${c.version} ${c.calls} calls, ${c.errors} errors (${rate}), p99 ${c.p99Ms === null ? "-" : `${Math.round(c.p99Ms)}ms`}`,
    );
    for (const f of verdict.findings) lines.push(`      ${f.check}: ${f.message}`);
  }
  if (rollout.reason) lines.push(`    reason    ${rollout.reason}${rollout.by ? ` (${rollout.by})` : ""}`);
  if (job.state === "running" || job.state === "queued") {
    const verbs = rollout.status === "paused" ? "resume|promote|abort" : "pause|promote|abort";
    lines.push(`    control   arcade-plugins jobs ${verbs} ${job.jobId}`);
  }
  return lines;
}

function versionsLine(rollout: RolloutState): string {
  return Object.entries(rollout.nodesByVersion)
    .map(([version, nodes]) => `${version}: ${nodes.join(", ")}`)
    .join("  ");
}

/** "10:02:05" of an ISO time (UTC, as the server wrote it). */
function clock(iso: string): string {
  return iso.slice(11, 19);
}
