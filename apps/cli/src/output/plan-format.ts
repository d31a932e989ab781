import type { ChangePlan, PlannedStep } from "@arcade/contracts";

/**
 * A plan (`?dryRun=true`) for people: what would change, what stands in the way (first the
 * error the job would stop at), and which node would serve what after each rollout step.
 * Sections with nothing to say are left out.
 */
export function formatPlan(plan: ChangePlan): string[] {
  const lines: string[] = [`Plan: ${plan.type} ${subject(plan)}${versions(plan)}`];
  if (plan.blocked.length > 0) {
    lines.push(`  would fail with ${plan.blocked[0]?.code} (the job stops at the first):`);
    for (const b of plan.blocked) {
      lines.push(`    ${b.code}: ${b.message}`);
      for (const e of b.errors ?? []) lines.push(`      ${e.path || "/"}: ${e.message}`);
    }
  } else if (plan.changed === false) {
    lines.push("  would change nothing: already applied");
  } else {
    lines.push("  would go ahead");
  }
  const { cascade, broken, unmet } = plan.dependencies;
  if (cascade.length > 0) {
    lines.push(`  cascade (handled first, in this order):`);
    for (const d of cascade) lines.push(`    ${d.name} ${d.version} (${d.pluginId}), needs ${d.requires}`);
  }
  for (const d of broken) {
    lines.push(`  dependent left out of range: ${d.name} ${d.version} needs ${d.requires}`);
  }
  for (const u of unmet) {
    const found =
      u.installed === null
        ? "not installed"
        : `${u.installed} ${u.reason === "version" ? "installed" : "not enabled"}`;
    lines.push(`  unmet dependency: ${u.name} ${u.version} (${found})`);
  }
  if (plan.permissions) {
    const { added, removed, escalated } = plan.permissions;
    if (added.length === 0 && removed.length === 0) lines.push("  permissions: unchanged");
    for (const p of added)
      lines.push(`  permission + ${p}${escalated ? " (new: needs --accept-permissions)" : ""}`);
    for (const p of removed) lines.push(`  permission - ${p}`);
  }
  if (plan.platform) {
    const { minVersion, platformVersion, compatible } = plan.platform;
    lines.push(
      `  platform ${platformVersion}: ${compatible ? "compatible" : "INCOMPATIBLE"}${minVersion ? ` (needs ${minVersion} or newer)` : ""}`,
    );
  }
  if (plan.config) {
    const { invalidKeys } = plan.config;
    lines.push(
      invalidKeys.length > 0
        ? `  config keys that would become invalid: ${invalidKeys.map((k) => k || "(the whole config)").join(", ")}`
        : "  config: valid",
    );
  }
  if (plan.rollout) {
    lines.push(`  rollout: ${plan.rollout.strategy}`);
    if (plan.rollout.steps.every((s) => s.nodes.length === 0)) lines.push("    no live node");
    else for (const step of plan.rollout.steps) lines.push(`    ${formatStep(step)}`);
  }
  return lines;
}

function subject(plan: ChangePlan): string {
  if (plan.pluginId === null) return plan.name || "(unknown plugin)";
  return plan.name ? `${plan.name} (${plan.pluginId})` : plan.pluginId;
}

function versions(plan: ChangePlan): string {
  const from = plan.fromVersion ?? "nothing";
  const to = plan.toVersion ?? "nothing";
  return from === to ? `, ${to}` : `: ${from} -> ${to}`;
}

/** `step 1 (hold 60s, switch): node-a 2.0.0 | node-b 1.0.0`. */
function formatStep(step: PlannedStep): string {
  const hold = step.holdMs > 0 ? `hold ${seconds(step.holdMs)}, ` : "";
  const nodes = step.nodes.map((n) => {
    const serves = Object.entries(n.serves);
    const what =
      serves.length === 0
        ? "nothing"
        : serves.length === 1
          ? (serves[0]?.[0] ?? "")
          : serves.map(([v, share]) => `${v} ${share}%`).join(" + ");
    return `${n.nodeId} ${what}${n.loads ? ` (loads ${n.loads})` : ""}`;
  });
  return `step ${step.step + 1} (${hold}${step.kind}): ${nodes.join(" | ")}`;
}

function seconds(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`;
}
