import type { ConvergenceNodes, RolloutPlacement } from "@arcade/contracts";
import type { PlacementWrite } from "../ports/plugin-repo.js";
import { emitJobEvent } from "./job-events.js";
import { updatedPluginColumns } from "./plugin-record.js";
import type { RolloutRun } from "./rollout-run.js";
import type { JobServices } from "./services.js";

/** What a batch asks of the nodes (RolloutPlacement without what the run already says). */
export type PlacementShape = Pick<RolloutPlacement, "nodes" | "alongside" | "hold">;

/**
 * Writes the plugin's placement and bumps the revision in ONE transaction, so a node never reads
 * one without the other; then tells the nodes to look now. Returns the revision to wait for.
 */
export async function writePlacement(
  svc: JobServices,
  run: RolloutRun,
  shape: PlacementShape,
): Promise<number> {
  const revision = await svc.plugins.transaction(async (tx) => {
    await tx.putPlacement({
      pluginId: run.pluginId,
      jobId: run.jobId,
      fromVersion: run.fromVersion,
      toVersion: run.toVersion,
      ...shape,
      updatedAt: svc.clock.now().toISOString(),
    });
    return tx.bumpRevision();
  });
  await announce(svc, run, revision, run.toVersion);
  return revision;
}

/**
 * Waits (node.convergence_timeout at most) for the live nodes to report `revision`, each judged
 * against the version it should run (`versionFor`): a node that loaded another one, or failed to
 * load its own, is not `applied`. Each report is a live `node` event of the job.
 */
export async function waitForNodes(
  svc: JobServices,
  run: RolloutRun,
  revision: number,
  versionFor: (nodeId: string) => string | null,
): Promise<ConvergenceNodes> {
  if (!svc.convergence || svc.settings.convergenceTimeoutMs <= 0) {
    return { expected: 0, applied: [], failed: [], pending: [] };
  }
  return svc.convergence.waitForRevision({
    revision,
    pluginId: run.pluginId,
    // The new version's checksum is checked where a node should run it; versionFor says where.
    version: run.toVersion,
    checksum: run.checksum,
    versionFor,
    timeoutMs: svc.settings.convergenceTimeoutMs,
    onNode: (report) => {
      void emitJobEvent(svc, run.jobId, { type: "node", ...report });
    },
  });
}

/**
 * completed or promoted: in one transaction the plugin row moves to the new version (the columns
 * an update's persist wrote before rollouts existed: updatedPluginColumns), the placement goes and
 * the revision is bumped; then every node is waited for on the new version. Idempotent: a resumed
 * job that finds the row already moved only removes what is left. Versions beyond
 * plugin.retain_versions go in the job's cleanup step, as after any update.
 */
export async function finishRollout(svc: JobServices, run: RolloutRun): Promise<ConvergenceNodes> {
  const revision = await svc.plugins.transaction(async (tx) => {
    if (run.op === "update") {
      const current = await tx.findById(run.pluginId);
      const version = (await tx.versions(run.pluginId)).find((v) => v.version === run.toVersion);
      if (current && version && (current.version !== run.toVersion || current.checksum !== run.checksum)) {
        await tx.updatePlugin(
          run.pluginId,
          updatedPluginColumns({
            existing: current,
            manifest: version.manifest,
            checksum: run.checksum,
            pluginId: run.pluginId,
            source: run.payload.artifact.source,
            marketId: run.payload.artifact.source === "market" ? run.payload.artifact.marketId : null,
            now: svc.clock.now(),
          }),
        );
      }
    }
    await tx.deletePlacement(run.pluginId);
    return tx.bumpRevision();
  });
  await announce(svc, run, revision, run.toVersion);
  return waitForNodes(svc, run, revision, () => run.toVersion);
}

/**
 * aborted: the placement goes (every node back on the plugin row's version) with a revision bump,
 * in one transaction; an install's plugin row goes with it (nothing is left enabled that no node
 * should run), and an update's new version row (it never became current). Then the nodes are
 * waited for on the old version. Idempotent.
 */
export async function rollBackRollout(svc: JobServices, run: RolloutRun): Promise<ConvergenceNodes> {
  const revision = await svc.plugins.transaction(async (tx) => {
    await tx.deletePlacement(run.pluginId);
    if (run.op === "install") {
      if (await tx.findById(run.pluginId)) await tx.deletePlugin(run.pluginId);
    } else {
      const current = await tx.findById(run.pluginId);
      if (current && current.version !== run.toVersion) await tx.deleteVersion(run.pluginId, run.toVersion);
    }
    return tx.bumpRevision();
  });
  await announce(svc, run, revision, run.fromVersion);
  return waitForNodes(svc, run, revision, () => run.fromVersion);
}

async function announce(svc: JobServices, run: RolloutRun, revision: number, version: string | null) {
  await svc.events.publish({
    revision,
    pluginId: run.pluginId,
    op: run.op,
    version,
    checksum: version === run.toVersion ? run.checksum : null,
    jobId: run.jobId,
  });
}

/**
 * The placement an install with a rollout writes with its plugin row (persist): the row names the
 * new version, and no node runs it until the first step names its nodes.
 */
export function installPlacement(pluginId: string, jobId: string, toVersion: string): PlacementWrite {
  return { pluginId, jobId, fromVersion: null, toVersion, nodes: [], alongside: null, hold: false };
}

/**
 * A job that failed for good in the middle of its rollout (its attempts ran out on a passing
 * fault; an abort has rolled back already): its placement goes as an abort's would, so no node
 * keeps running a version no job watches. An install's plugin row goes with it (its version never
 * passed the rollout); an update's new version row too. Idempotent; nothing when the plugin's
 * placement is not this job's.
 */
export async function dropFailedPlacement(svc: JobServices, job: { jobId: string; pluginId: string | null }) {
  const pluginId = job.pluginId;
  if (!pluginId) return;
  const placement = await svc.plugins.getPlacement(pluginId);
  if (!placement || placement.jobId !== job.jobId) return;
  const revision = await svc.plugins.transaction(async (tx) => {
    const current = await tx.getPlacement(pluginId);
    if (!current || current.jobId !== job.jobId) return null;
    await tx.deletePlacement(pluginId);
    const row = await tx.findById(pluginId);
    if (current.fromVersion === null) {
      if (row) await tx.deletePlugin(pluginId);
    } else if (row && row.version !== current.toVersion) {
      await tx.deleteVersion(pluginId, current.toVersion);
    }
    return tx.bumpRevision();
  });
  if (revision === null) return;
  await svc.events.publish({
    revision,
    pluginId,
    op: placement.fromVersion === null ? "uninstall" : "update",
    version: placement.fromVersion,
    checksum: null,
    jobId: job.jobId,
  });
}
