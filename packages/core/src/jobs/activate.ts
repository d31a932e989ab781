import { type ConvergenceOutcome, type JobType, type PluginEventOp, PluginStatus } from "@arcade/contracts";
import type { PluginRecord } from "../ports/plugin-repo.js";
import { convergenceOutcome } from "../rollout/convergence.js";
import { emitJobEvent } from "./job-events.js";
import type { JobServices } from "./services.js";

/** One committed change, as activate tells the nodes about it and judges their answers. */
export interface ActivatedChange {
  /** The job type the change belongs to: convergenceOutcome's recovery depends on it. */
  type: JobType;
  op: PluginEventOp;
  pluginId: string;
  /** The plugin's name, for the error of a change no node could apply. */
  name: string;
  /** The version the change is about (the event carries it; null when unknown). */
  version: string | null;
  checksum: string | null;
  /**
   * True when the nodes should run the plugin once they applied the change (enabled, not a
   * legacy native build): each must then report it loaded at `version`. False (disabled,
   * uninstalled): each must report it gone, and the job succeeds whatever they answer, since
   * nothing was asked to load.
   */
  loads: boolean;
  /** The version each node should run when they differ (a canary step); default `version`. */
  versionFor?: (nodeId: string) => string | null;
  jobId: string;
  /** The revision this job committed; null when an earlier attempt committed it. */
  revision: number | null;
}

/**
 * Tells every node to look now, then waits (bounded by node.convergence_timeout) for the live
 * nodes to answer, and says how the change ends (core rollout/convergence.ts): succeeded (every
 * node applied it, or none was live), succeeded and `degraded` (some did), or failed with
 * PLUGIN_LOAD_FAILED and each node's reason (none did). The caller decides what a failure
 * undoes. A node that misses the message still converges on its next reconcile. Null when the
 * worker does not wait for nodes (no registry, or a zero timeout): nothing is known.
 */
export async function activate(
  svc: JobServices,
  change: ActivatedChange,
): Promise<ConvergenceOutcome | null> {
  const revision = change.revision ?? (await svc.plugins.currentRevision());
  await svc.events.publish({
    revision,
    pluginId: change.pluginId,
    op: change.op,
    version: change.version,
    // A plugin adopted from a pre-refactor installation has no package, so no checksum ("").
    checksum: change.checksum || null,
    jobId: change.jobId,
  });
  const timeoutMs = svc.settings.convergenceTimeoutMs;
  if (!svc.convergence || timeoutMs <= 0) return null;
  const nodes = await svc.convergence.waitForRevision({
    revision,
    pluginId: change.pluginId,
    version: change.loads ? change.version : null,
    checksum: change.loads ? change.checksum || null : null,
    ...(change.loads && change.versionFor ? { versionFor: change.versionFor } : {}),
    timeoutMs,
    // Each node's answer is a live event of the job the moment it arrives.
    onNode: (report) => {
      void emitJobEvent(svc, change.jobId, { type: "node", ...report });
    },
  });
  if (!change.loads || change.version === null) return { state: "succeeded", nodes };
  return convergenceOutcome(nodes, {
    type: change.type,
    name: change.name,
    version: change.version,
    timeoutMs,
  });
}

/** Whether nodes run `plugin` (the rule of the runtime's desired state): enabled or in error, and a package. */
export function runsOnNodes(plugin: Pick<PluginRecord, "isEnabled" | "legacy">): boolean {
  return plugin.isEnabled !== PluginStatus.Disabled && !plugin.legacy;
}
