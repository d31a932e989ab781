import { randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { buildSingleFileArchive, inspectArchive, sha256File } from "@arcade/archive";
import type { ChangePlan, JobPayloads, JobType, Manifest } from "@arcade/contracts";
import {
  AppError,
  assertJobPayload,
  isAppError,
  type PlanInput,
  type PlannedPlugin,
  type PluginRecord,
  planChange,
  rollbackTarget,
  SignaturePolicy,
  stagingKey,
} from "@arcade/core";
import type { Context } from "hono";
import type { ApiDeps } from "../deps.js";
import type { Principal } from "../http/context.js";
import { artifactPayload } from "../routes/artifact-payload.js";
import { artifactSource } from "../routes/artifact-source.js";
import { readMultipart } from "../uploads/multipart-reader.js";
import { writeScratchFile } from "../uploads/scratch-file.js";

type StateJob = Exclude<JobType, "install" | "update">;
type Blocked = ChangePlan["blocked"][number];

/** The platform version the worker's jobs check `minVersion` against when none is configured. */
const DEFAULT_PLATFORM_VERSION = "1.0.0";

const NO_TRUST = new SignaturePolicy({ requireSignature: false, trustedKeys: [], revokedKeys: [] });

/** `?dryRun=true` on a mutation route (every mutation's query schema has it). */
export function isDryRun(c: Context): boolean {
  return (c.req.valid("query" as never) as { dryRun?: boolean } | undefined)?.dryRun === true;
}

/**
 * `?dryRun=true` (docs/rollouts.md, "Plans"): after the same checks of the request as the real
 * one (so bad input gets the same 4xx), build the job's payload as the real request does, read
 * what the job would read (the plugin row, its stored permissions and config, every installed
 * plugin, the live nodes, the platform version; for an upload, the manifest inside it) and
 * answer core's planChange of it. Nothing is written: no job row, no queue entry, no staged
 * object (an upload goes to a scratch file of this request, inspected under the same archive
 * limits as the worker's, and removed), no revision.
 */
export class PlanRequests {
  constructor(private readonly deps: ApiDeps) {}

  /** uninstall, enable, disable, configure, rollback. `clear`: a configure's config in clear. */
  async state(
    type: StateJob,
    plugin: PluginRecord,
    payload: JobPayloads[StateJob],
    options: { principal: Principal; clear?: Record<string, unknown> | undefined },
  ): Promise<ChangePlan> {
    assertJobPayload(type, payload);
    const earlier: Blocked[] = [];
    let next: Manifest | null = null;
    let nextChecksum: string | undefined;
    let storedSignature: Blocked | null = null;
    if (type === "rollback") {
      // As the rollback job: the target version, then its artifact in the store.
      try {
        const version = "version" in payload ? payload.version : undefined;
        const target = rollbackTarget(plugin, await this.deps.plugins.versions(plugin.pluginId), version);
        next = target.manifest;
        nextChecksum = target.checksum;
        // The version's stored signature against this platform's current keys, as the job checks it.
        try {
          this.signatures().checkStored({
            pluginId: plugin.pluginId,
            version: target.version,
            sha256: target.checksum,
            signature:
              target.signature && target.signatureKeyId
                ? { keyId: target.signatureKeyId, signature: target.signature }
                : null,
          });
        } catch (error) {
          storedSignature = blockedOf(error);
        }
        if (!(await this.deps.store.head(target.objectKey))) {
          earlier.push({
            code: "VERSION_NOT_FOUND",
            message: `the artifact of version ${target.version} is missing from the store`,
          });
        }
      } catch (error) {
        earlier.push(blockedOf(error));
      }
    }
    const read = await this.readState(plugin);
    return planChange({
      ...read,
      // A cascade refuses dependents with a job in flight, as the job does.
      ...("cascade" in payload && payload.cascade === true ? { busy: await this.busy(read.installed) } : {}),
      type,
      next,
      ...(nextChecksum === undefined ? {} : { nextChecksum }),
      earlier,
      storedSignature,
      request: {
        cascade: "cascade" in payload && payload.cascade === true,
        requestedRole: options.principal.role,
        ...(options.clear ? { config: options.clear } : {}),
      },
    });
  }

  /**
   * install (plugin null) or update: reads the multipart body as the real request does, into a
   * scratch file instead of the object store, and inspects it as the worker's inspect step.
   * What the inspection refuses (ARCHIVE_INVALID, MANIFEST_INVALID, ...) is the job's failure:
   * the plan's first blocked entry.
   */
  async artifact(
    c: Context,
    plugin: PluginRecord | null,
    request: { principal: Principal; acceptFromQuery: boolean },
  ): Promise<ChangePlan> {
    const dir = join(this.deps.workDir, "plans", randomUUID());
    await mkdir(dir, { recursive: true });
    try {
      const rawPath = join(dir, "upload");
      const maxBytes = this.deps.limits.maxPluginSize;
      const upload = await readMultipart(c, {
        maxFileBytes: maxBytes,
        receiveFile: async ({ stream, fileName }) => {
          await writeScratchFile(stream, rawPath, maxBytes);
          return { ...(await sha256File(rawPath)), fileName };
        },
        discardFile: () => rm(rawPath, { force: true }),
      });
      // A staging key that is never written: the payload is the one the real request would queue.
      const artifact = artifactSource(upload.fields, upload.file, stagingKey(`dry-run-${randomUUID()}`));
      const built = artifactPayload(plugin?.pluginId ?? null, artifact, {
        ...request,
        requestId: c.get("requestId"),
        fields: upload.fields,
      });
      assertJobPayload(built.type, built.payload);
      if (artifact.source !== "local") {
        throw new AppError("VALIDATION_FAILED", "a dry run needs a local upload", {
          errors: [
            { path: "/source", message: "the worker fetches market artifacts: dryRun takes source=local" },
          ],
        });
      }
      const earlier: Blocked[] = [];
      let next: Manifest | null = null;
      let nextChecksum: string | undefined;
      const staged = artifact.staged;
      // The worker's verify step: the signature over the bytes received, before the inspection.
      try {
        this.signatures().check({
          source: "local",
          sha256: staged.sha256,
          signature: staged.signature
            ? { keyId: staged.signature.keyId, signature: staged.signature.signature }
            : null,
        });
      } catch (error) {
        earlier.push(blockedOf(error));
      }
      try {
        const archivePath = staged.kind === "module" ? join(dir, "module.zip") : rawPath;
        if (staged.kind === "module") {
          const content = createReadStream(rawPath);
          await buildSingleFileArchive(
            { manifest: staged.manifest, fileName: staged.fileName, content },
            archivePath,
          );
        }
        const inspection = await inspectArchive(archivePath, this.deps.limits.archiveLimits);
        next = inspection.manifest;
        nextChecksum = inspection.sha256;
      } catch (error) {
        earlier.push(blockedOf(error));
      }
      const read = plugin ? await this.readState(plugin) : await this.readCluster(null);
      const retained =
        plugin && next ? await this.deps.plugins.getVersion(plugin.pluginId, next.version) : null;
      const payload = built.payload;
      return planChange({
        ...read,
        type: built.type,
        next,
        ...(nextChecksum === undefined ? {} : { nextChecksum }),
        retained,
        earlier,
        rollout: payload.rollout,
        request: {
          acceptPermissions: "acceptPermissions" in payload && payload.acceptPermissions === true,
          allowDowngrade: "allowDowngrade" in payload && payload.allowDowngrade === true,
          requestedRole: request.principal.role,
        },
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** The platform's `[signature]` policy; without one nothing is trusted (as the worker's default). */
  private signatures(): SignaturePolicy {
    return this.deps.signatures ?? NO_TRUST;
  }

  /** The plugins with an unfinished job (a cascade checks its dependents' locks). */
  private async busy(installed: readonly { pluginId: string }[]): Promise<Record<string, string>> {
    const busy: Record<string, string> = {};
    for (const p of installed) {
      const job = await this.deps.jobs.findUnfinished(p.pluginId);
      if (job) busy[p.pluginId] = job.jobId;
    }
    return busy;
  }

  /** What every job of an installed plugin reads: the plugin as stored, and the cluster. */
  private async readState(plugin: PluginRecord) {
    const [config, installedVersion] = await Promise.all([
      this.deps.plugins.getConfig(plugin.pluginId),
      this.deps.plugins.getVersion(plugin.pluginId, plugin.version),
    ]);
    const current: PlannedPlugin = {
      pluginId: plugin.pluginId,
      name: plugin.name,
      version: plugin.version,
      manifest: plugin.manifest,
      checksum: plugin.checksum,
      legacy: Boolean(plugin.legacy),
      isEnabled: plugin.isEnabled,
      permissions: installedVersion?.permissions ?? null,
      config,
    };
    return this.readCluster(current);
  }

  private async readCluster(
    current: PlannedPlugin | null,
  ): Promise<Omit<PlanInput, "type"> & { current: PlannedPlugin | null }> {
    const [installed, nodes] = await Promise.all([
      this.deps.plugins.listAll(),
      this.deps.cluster ? this.deps.cluster.listNodes() : Promise.resolve([]),
    ]);
    return {
      current,
      installed,
      liveNodes: nodes.map((n) => n.nodeId),
      platformVersion: this.deps.platformVersion ?? DEFAULT_PLATFORM_VERSION,
      allowedHostPaths: this.deps.limits.allowedHostPaths ?? [],
      defaultStrategy: this.deps.defaultRolloutStrategy,
      ...(current ? { seed: current.pluginId } : {}),
    };
  }
}

/** A rule's AppError as a plan's blocked entry; anything else is not the request's fault. */
function blockedOf(error: unknown): Blocked {
  if (!isAppError(error)) throw error;
  return {
    code: error.code,
    message: error.message,
    ...(error.errors.length > 0 ? { errors: error.errors } : {}),
  };
}
