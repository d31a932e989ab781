import type { PluginEventOp } from "@arcade/contracts";
import type { NodesResult } from "../ports/convergence.js";
import { emitJobEvent } from "./job-events.js";
import type { JobServices } from "./services.js";

/**
 * Tells every node to look now, then waits (bounded) for the live nodes to
 * report the new revision. A node that misses the message still converges on
 * its next reconcile; the wait only reports what happened.
 */
export async function activate(
  svc: JobServices,
  change: {
    pluginId: string;
    op: PluginEventOp;
    version: string | null;
    checksum: string | null;
    jobId: string;
    /** The revision this job committed; null when an earlier attempt committed it. */
    revision: number | null;
  },
): Promise<NodesResult | null> {
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
  if (!svc.convergence || svc.settings.convergenceTimeoutMs <= 0) return null;
  return svc.convergence.waitForRevision({
    revision,
    pluginId: change.pluginId,
    timeoutMs: svc.settings.convergenceTimeoutMs,
    // Each node's report is a live event of the job the moment it arrives.
    onNode: (report) => {
      void emitJobEvent(svc, change.jobId, { type: "node", ...report });
    },
  });
}
