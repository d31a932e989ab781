import type { ConvergenceNodes, JobPayloads, JobResult, Manifest } from "@arcade/contracts";
import { PluginStatus } from "@arcade/contracts";
import { AppError, isAppError } from "../errors/app-error.js";
import { validateStoredConfig } from "../schema/validate-config.js";
import type { ArtifactSignature } from "../signature/index.js";
import { activate, runsOnNodes } from "./activate.js";
import {
  checkCompatibility,
  checkUpdate,
  claimName,
  requirePlugin,
  signaturePolicy,
} from "./artifact-checks.js";
import { failUnapplied, type RecoveryPlan } from "./convergence-recovery.js";
import type { FailedJob } from "./define-job.js";
import type { JobContext } from "./job-context.js";
import { artifactKey } from "./object-keys.js";
import { sweepPluginObjects } from "./orphan-sweep.js";
import { checkPermissions } from "./permission-checks.js";
import { manifestColumns, newPluginRecord, updatedPluginColumns } from "./plugin-record.js";
import { driveRollout, resumeStoredRollout } from "./rollout-driver.js";
import { dropFailedPlacement, installPlacement } from "./rollout-placement.js";
import { steppedRollout } from "./rollout-request.js";
import type { JobServices } from "./services.js";

export const ARTIFACT_STEPS = [
  "fetch",
  "verify",
  "inspect",
  "store",
  "persist",
  "activate",
  "cleanup",
] as const;

type ArtifactPayload = JobPayloads["install"] | JobPayloads["update"];

interface Fetched {
  size: number;
  sha256: string;
  kind: "zip" | "module";
  marketId: string | null;
  /** The publisher's signature over `sha256`, as the market or the uploader sent it. */
  signature: ArtifactSignature | null;
}

/** The version a change replaced (an update's), so a change no node applied can be undone. */
interface Committed {
  version: string;
  checksum: string;
}

/** What persist records on the job row (read back by a retried attempt). */
interface Persisted extends Committed {
  revision: number | null;
  /** The version the update replaced; null on an install. */
  previous: Committed | null;
}

/**
 * install and update (install-job.ts, update-job.ts): fetch -> verify -> inspect -> store -> persist -> activate -> cleanup.
 * Every step is idempotent, so a retried attempt, or one re-run after its worker
 * died mid-step, ends in the same state as one that ran once.
 */
export async function runArtifactJob(
  svc: JobServices,
  ctx: JobContext,
  target:
    | { type: "install"; payload: JobPayloads["install"] }
    | { type: "update"; payload: JobPayloads["update"] },
): Promise<JobResult> {
  const { steps, jobId } = ctx;
  const { type, payload } = target;
  const { raw: rawPath, zip: zipPath } = await svc.files.scratch(jobId);

  const existing = target.type === "update" ? await requirePlugin(svc, target.payload.pluginId) : null;

  const fetched = await steps.run("fetch", () => fetchArtifact(svc, ctx, payload, rawPath));
  if (fetched === "already-persisted") {
    // An earlier attempt committed the change and removed the staged upload:
    // only the steps after persist are left to do.
    for (const name of ["verify", "inspect", "store", "persist"] as const) await steps.skip(name);
    const done = committedResult(ctx.job.result);
    const pluginId = ctx.job.pluginId ?? existing?.pluginId ?? "";
    // A rollout an earlier attempt stored goes on from its state (rollout-driver.ts).
    const change = { op: type, payload, pluginId, checksum: done.checksum };
    const rolled = await steps.run("activate", () => resumeStoredRollout(svc, ctx, change));
    if (rolled) {
      await steps.run("cleanup", () => cleanup(svc, payload, pluginId, jobId));
      return { version: done.version, checksum: done.checksum, nodes: rolled.nodes, rollout: rolled.rollout };
    }
    const nodes = await steps.run("activate", () =>
      activateArtifact(svc, type, { pluginId, jobId, committed: done, revision: null }),
    );
    await steps.run("cleanup", () => cleanup(svc, payload, pluginId, jobId));
    return { version: done.version, checksum: done.checksum, ...(nodes ? { nodes } : {}) };
  }

  const signedBy = await steps.run("verify", async () => {
    await verify(svc, rawPath, fetched);
    // The SHA-256 checked is the one just computed over the bytes, never one we were told.
    return signaturePolicy(svc).check({
      source: payload.artifact.source,
      sha256: fetched.sha256,
      signature: fetched.signature,
    });
  });

  const inspected = await steps.run("inspect", async () => {
    const archivePath =
      fetched.kind === "module" ? await buildModuleArchive(svc, payload, rawPath, zipPath) : rawPath;
    const inspection = await svc.archives.inspect(archivePath, svc.settings.archiveLimits);
    const manifest = inspection.manifest;
    await checkCompatibility(svc, manifest, existing);
    const approval = await checkPermissions(svc, manifest, payload, existing);
    const pluginId =
      target.type === "update" && existing
        ? await checkUpdate(svc, existing, manifest, inspection.sha256, target.payload)
        : await claimName(svc, ctx, manifest);
    // An update to exactly what is installed (same version and bytes, not put there by an earlier
    // attempt of this job) changes nothing: the result says so instead of looking like an update.
    const unchanged =
      existing?.version === manifest.version &&
      existing.checksum === inspection.sha256 &&
      typeof ctx.job.result?.version !== "string";
    return {
      unchanged,
      archivePath,
      manifest,
      checksum: inspection.sha256,
      size: inspection.size,
      pluginId,
      approval,
    };
  });
  const { manifest, checksum, pluginId, approval } = inspected;
  const key = artifactKey(pluginId, manifest.version);
  // In steps (canary...): persist records the version; the rollout moves the nodes, then the row.
  const rollout = steppedRollout(payload, manifest, svc.settings);

  await steps.run("store", async () => {
    const head = await svc.store.head(key);
    if (head && head.sha256 === checksum && head.size === inspected.size) return;
    await svc.store.put(key, svc.files.open(inspected.archivePath), {
      sha256: checksum,
      size: inspected.size,
    });
  });

  const persisted = await steps.run("persist", async () => {
    const now = svc.clock.now();
    const revision = await svc.plugins.transaction(async (tx) => {
      const current = await tx.findById(pluginId);
      if (current && current.version === manifest.version && current.checksum === checksum) return null;
      if (type === "install") {
        if (current) return null;
        await tx.insertPlugin(
          newPluginRecord({
            pluginId,
            manifest,
            checksum,
            source: payload.artifact.source,
            marketId: fetched.marketId,
            now,
            status: PluginStatus.Enabled,
          }),
        );
        await tx.setConfig(pluginId, manifest.defaultConfig ?? {});
        // The row exists with the new version; the placement says no node runs it yet.
        if (rollout) await tx.putPlacement(installPlacement(pluginId, jobId, manifest.version));
      } else if (!rollout) {
        await tx.updatePlugin(
          pluginId,
          updatedPluginColumns({
            existing,
            manifest,
            checksum,
            pluginId,
            source: payload.artifact.source,
            marketId: fetched.marketId,
            now,
          }),
        );
      }
      await tx.upsertVersion({
        pluginId,
        version: manifest.version,
        checksum,
        objectKey: key,
        size: inspected.size,
        manifest,
        createdAt: now,
        permissions: approval.permissions,
        permissionsApprovedBy: approval.approvedBy,
        // Kept so every node can check it again against its own keys before each load.
        ...storedSignature(signedBy, fetched.signature),
      });
      // Versions beyond retain_versions go in cleanup, once the nodes applied this one (a
      // rollout's old version serves until it ends): until then the replaced one can come back.
      return tx.bumpRevision();
    });
    const result: Persisted = {
      version: manifest.version,
      checksum,
      revision,
      // A retried attempt reads `existing` after its own commit: the first attempt's record wins.
      previous:
        recordedPrevious(ctx.job.result) ??
        (existing ? { version: existing.version, checksum: existing.checksum } : null),
    };
    await svc.jobs.update(jobId, { pluginId, result: { ...result }, updatedAt: svc.clock.now() });
    return result;
  });

  const rolled = rollout
    ? await steps.run("activate", () =>
        driveRollout(svc, ctx, {
          jobId,
          pluginId,
          op: type,
          request: rollout,
          fromVersion: existing?.version ?? null,
          toVersion: manifest.version,
          checksum,
          payload,
          logger: ctx.logger,
        }),
      )
    : null;
  const nodes = rolled
    ? rolled.nodes
    : await steps.run("activate", () =>
        activateArtifact(svc, type, {
          pluginId,
          jobId,
          committed: { version: manifest.version, checksum },
          revision: persisted.revision,
        }),
      );
  await steps.run("cleanup", () => cleanup(svc, payload, pluginId, jobId));
  return {
    version: manifest.version,
    checksum,
    ...(signedBy ? { signedBy } : {}),
    ...(inspected.unchanged ? { changed: false } : {}),
    // The audit trail: what this version may touch, and which grants this request approved.
    permissions: approval.permissions,
    permissionsApproval: { approvedBy: approval.approvedBy, granted: approval.granted },
    ...(nodes ? { nodes } : {}),
    ...(rolled ? { rollout: rolled.rollout } : {}),
  };
}

async function fetchArtifact(
  svc: JobServices,
  ctx: JobContext,
  payload: ArtifactPayload,
  rawPath: string,
): Promise<Fetched | "already-persisted"> {
  const artifact = payload.artifact;
  if (artifact.source === "market") {
    if (!svc.market) {
      throw new AppError("MARKET_DISABLED", "the plugin market is disabled on this platform", {
        detail:
          "Set plugin.enable_market = true and plugin.market_api, or upload the plugin with source=local.",
      });
    }
    const got = await svc.market.fetch({ marketId: artifact.marketId, version: artifact.version }, rawPath);
    return {
      size: got.size,
      sha256: got.sha256,
      kind: "zip",
      marketId: got.marketId,
      signature: got.signature,
    };
  }
  try {
    await svc.files.write(rawPath, await svc.store.get(artifact.staged.key));
  } catch (error) {
    if (isAppError(error) && error.code === "OBJECT_NOT_FOUND") {
      if (ctx.job.result && "version" in ctx.job.result) return "already-persisted";
      throw new AppError("OBJECT_NOT_FOUND", "the staged upload of this job is missing", { cause: error });
    }
    throw error;
  }
  return {
    size: artifact.staged.size,
    sha256: artifact.staged.sha256,
    kind: artifact.staged.kind,
    marketId: null,
    signature: artifact.staged.signature
      ? { keyId: artifact.staged.signature.keyId, signature: artifact.staged.signature.signature }
      : null,
  };
}

/**
 * Tells the nodes about the committed version and waits for their answers (activate). When no
 * node could load it, the change is undone before the job fails PLUGIN_LOAD_FAILED: a first
 * install is removed (rows now, stored objects by the compensation), an update puts the plugin
 * row back on the version it replaced, which keeps serving (the new version's row is kept).
 * Answers the nodes (null when the worker does not wait for them).
 */
async function activateArtifact(
  svc: JobServices,
  type: "install" | "update",
  change: { pluginId: string; jobId: string; committed: Committed; revision: number | null },
): Promise<ConvergenceNodes | null> {
  const { pluginId, jobId, committed } = change;
  const plugin = await svc.plugins.findById(pluginId);
  const name = plugin?.name ?? pluginId;
  const outcome = await activate(svc, {
    type,
    op: type,
    pluginId,
    name,
    version: committed.version,
    checksum: committed.checksum,
    loads: plugin !== null && runsOnNodes(plugin),
    jobId,
    revision: change.revision,
  });
  if (outcome?.state !== "failed") return outcome?.nodes ?? null;
  // A first install whose stored config does not satisfy its configSchema yet (a required webhook
  // or token, set next with `configure`) loads nowhere until it is configured: the plugin waits
  // for its configuration; that is not a version that cannot load. It stays installed, the
  // nodes' answers say why, and the configure is judged like any change.
  if (type === "install" && plugin && awaitsConfig(plugin.manifest, await svc.plugins.getConfig(pluginId))) {
    return outcome.nodes;
  }
  const plan =
    type === "install"
      ? removeInstall(pluginId, name, committed)
      : await restorePrevious(
          svc,
          pluginId,
          name,
          committed,
          recordedPrevious((await svc.jobs.get(jobId))?.result ?? null),
        );
  return failUnapplied(svc, jobId, outcome, plan);
}

/** A first install no node could load goes: nothing is left enabled-but-broken. */
function removeInstall(pluginId: string, name: string, committed: Committed): RecoveryPlan {
  return {
    action: "uninstalled",
    undo: async (tx) => {
      if (!isAt(await tx.findById(pluginId), committed)) return false;
      await tx.deletePlugin(pluginId);
      return true;
    },
    change: { type: "uninstall", op: "uninstall", pluginId, name, ...committed, loads: false },
  };
}

/**
 * An update no node could load: the plugin row goes back to the version it replaced (its
 * version, checksum and manifest columns, from that version's retained row), so every node
 * keeps or goes back to serving it. Nothing to restore when the previous version is unknown or
 * has no package (an adopted native build): the job fails and says so.
 */
async function restorePrevious(
  svc: JobServices,
  pluginId: string,
  name: string,
  committed: Committed,
  previous: Committed | null,
): Promise<RecoveryPlan> {
  const row =
    previous && !sameVersion(previous, committed)
      ? (await svc.plugins.versions(pluginId)).find((v) => sameVersion(v, previous) && !v.legacy)
      : undefined;
  if (!row) {
    return {
      action: "none",
      detail:
        "The version it replaced could not be restored (none retained with a package). Each node's reason is in `errors`; update to a fixed version.",
    };
  }
  return {
    action: "restored-version",
    version: row.version,
    undo: async (tx) => {
      const current = await tx.findById(pluginId);
      if (!isAt(current, committed)) return false;
      await tx.updatePlugin(pluginId, {
        ...manifestColumns(row.manifest, row.checksum, pluginId),
        updateTime: svc.clock.now(),
      });
      return true;
    },
    change: {
      type: "rollback",
      op: "rollback",
      pluginId,
      name,
      version: row.version,
      checksum: row.checksum,
      loads: true,
    },
  };
}

function sameVersion(a: Committed, b: Committed): boolean {
  return a.version === b.version && a.checksum === b.checksum;
}

/** The plugin row still holds what this job committed (so undoing it is this job's to do). */
function isAt(plugin: { version: string; checksum: string } | null, committed: Committed): boolean {
  return plugin !== null && sameVersion(plugin, committed);
}

/** The version an earlier attempt of this job recorded as replaced (persist), if any. */
function recordedPrevious(result: JobResult | null): Committed | null {
  const previous = result?.previous as Partial<Committed> | null | undefined;
  if (typeof previous?.version !== "string" || typeof previous.checksum !== "string") return null;
  return { version: previous.version, checksum: previous.checksum };
}

/** What persist recorded on the row (version and checksum); fetch found the change already made. */
function committedResult(result: JobResult | null): { version: string; checksum: string } {
  if (typeof result?.version === "string" && typeof result.checksum === "string") {
    return { version: result.version, checksum: result.checksum };
  }
  throw new AppError("INTERNAL", "the staged upload is gone but no committed version is recorded");
}

/** The signature columns of a version: only a signature the policy verified is kept. */
function storedSignature(
  signedBy: string | null,
  signature: ArtifactSignature | null,
): { signature: string | null; signatureKeyId: string | null } {
  if (!signedBy || !signature) return { signature: null, signatureKeyId: null };
  return { signature: signature.signature.trim(), signatureKeyId: signedBy };
}

async function verify(svc: JobServices, path: string, expected: Fetched): Promise<void> {
  const { size, sha256 } = await svc.archives.digestFile(path);
  if (size !== expected.size) {
    throw new AppError("SIZE_MISMATCH", `artifact is ${size} bytes, expected ${expected.size}`);
  }
  if (sha256 !== expected.sha256) {
    throw new AppError("CHECKSUM_MISMATCH", `artifact SHA-256 is ${sha256}, expected ${expected.sha256}`);
  }
}

async function buildModuleArchive(
  svc: JobServices,
  payload: ArtifactPayload,
  rawPath: string,
  zipPath: string,
): Promise<string> {
  if (payload.artifact.source !== "local") throw new Error("module artifacts are local uploads");
  const staged = payload.artifact.staged;
  await svc.archives.buildSingleFile(
    { manifest: staged.manifest, fileName: staged.fileName, content: svc.files.open(rawPath) },
    zipPath,
  );
  return zipPath;
}

/** Keeps the newest `retain` versions (the current one always), deleting older rows. */
export async function pruneVersions(
  tx: Parameters<Parameters<JobServices["plugins"]["transaction"]>[0]>[0],
  pluginId: string,
  currentVersion: string,
  retain: number,
): Promise<void> {
  const versions = await tx.versions(pluginId);
  const keep = new Set([currentVersion]);
  for (const v of versions) {
    if (keep.size >= Math.max(1, retain)) break;
    keep.add(v.version);
  }
  for (const v of versions) {
    if (!keep.has(v.version)) await tx.deleteVersion(pluginId, v.version);
  }
}

/**
 * Once the nodes applied the change: versions beyond plugin.retain_versions go (not at persist,
 * so the version an update replaced can be restored while the nodes have not answered), then
 * the objects no retained version references, the staged upload and the scratch files.
 */
async function cleanup(
  svc: JobServices,
  payload: ArtifactPayload,
  pluginId: string,
  jobId: string,
): Promise<void> {
  if (payload.artifact.source === "local") await svc.store.delete(payload.artifact.staged.key);
  if (pluginId) {
    await svc.plugins.transaction(async (tx) => {
      const plugin = await tx.findById(pluginId);
      if (plugin) await pruneVersions(tx, pluginId, plugin.version, svc.settings.retainVersions);
    });
    await sweepPluginObjects(svc.store, svc.plugins, pluginId);
  }
  await svc.files.remove(jobId);
}

/**
 * install/update after a final failure: the staged upload goes, and so does every stored object
 * of the plugin that no retained version references (what the failed attempt stored).
 */
export async function compensateArtifactJob(
  svc: JobServices,
  job: FailedJob,
  payload: ArtifactPayload,
): Promise<void> {
  if (payload.artifact.source === "local") await svc.store.delete(payload.artifact.staged.key);
  // A rollout cut short by the failure: its nodes go back first (rollout-placement.ts).
  await dropFailedPlacement(svc, job);
  if (job.pluginId) await sweepPluginObjects(svc.store, svc.plugins, job.pluginId);
}

/** True when the stored config (secrets' contents aside) does not satisfy the configSchema. */
function awaitsConfig(manifest: Manifest, config: Record<string, unknown> | null): boolean {
  return validateStoredConfig(manifest.configSchema, config ?? {}).length > 0;
}
