import type { JobPayloads, Manifest } from "@arcade/contracts";
import semver from "semver";
import { checkDependencies, checkDependentsAccept, checkPlatformVersion } from "../dependencies/index.js";
import { AppError } from "../errors/app-error.js";
import { newPluginId } from "../ids/index.js";
import { nameKey } from "../manifest/index.js";
import type { PluginRecord, PluginVersionRecord } from "../ports/plugin-repo.js";
import { validateStoredConfig } from "../schema/index.js";
import { SignaturePolicy } from "../signature/index.js";
import type { JobContext } from "./job-context.js";
import type { JobServices } from "./services.js";

export async function requirePlugin(svc: JobServices, pluginId: string): Promise<PluginRecord> {
  const plugin = await svc.plugins.findById(pluginId);
  if (!plugin) throw new AppError("PLUGIN_NOT_FOUND", `plugin ${pluginId} does not exist`);
  return plugin;
}

/** install: the name must be free (or taken by this very job in an earlier attempt); claims it and the plugin's lock. */
export async function claimName(svc: JobServices, ctx: JobContext, manifest: Manifest): Promise<string> {
  // Names are unique regardless of case and Unicode spelling (nameKey), not only byte for byte.
  const key = nameKey(manifest.name);
  const holder =
    (await svc.plugins.findByName(manifest.name)) ??
    (await svc.plugins.listAll()).find((p) => nameKey(p.name) === key) ??
    null;
  const own = ctx.job.pluginId;
  if (holder && holder.pluginId !== own) {
    throw new AppError("PLUGIN_EXISTS", `a plugin named "${manifest.name}" is already installed`, {
      detail: `Update it with PUT /api/v1/plugins/${holder.pluginId}, or uninstall it first.`,
      extras: { pluginId: holder.pluginId },
    });
  }
  if (own) return own;
  const pluginId = newPluginId(manifest.name);
  // The plugin's lock (lock_key) is taken in the same row update that claims the id: from here
  // on a request for this plugin gets 409 OPERATION_IN_PROGRESS until the install has finished,
  // as for every other job, so no two jobs of one plugin ever run at once.
  await svc.jobs.update(ctx.jobId, { pluginId, lockKey: pluginId, updatedAt: svc.clock.now() });
  ctx.job.pluginId = pluginId;
  ctx.job.lockKey = pluginId;
  return pluginId;
}

/**
 * update: same name, a newer version (unless allowDowngrade), a config the new
 * configSchema accepts, and never new bytes under a version already stored:
 * the object key is derived from the version, so storing them would overwrite
 * the artifact a retained (or the current) version row vouches for.
 */
export async function checkUpdate(
  svc: JobServices,
  existing: PluginRecord,
  manifest: Manifest,
  checksum: string,
  payload: JobPayloads["update"],
): Promise<string> {
  if (existing.legacy) {
    // An adopted native plugin's old name may break today's name rule: its package brings its own.
    if (manifest.name !== existing.name) await assertNameFree(svc, manifest.name, existing.pluginId);
  } else if (manifest.name !== existing.name) {
    throw new AppError("MANIFEST_INVALID", "an update must keep the plugin's name", {
      errors: [{ path: "/name", message: `must stay "${existing.name}" (the plugin being updated)` }],
    });
  }
  const retained = await svc.plugins.getVersion(existing.pluginId, manifest.version);
  checkUpdateVersion(existing, { version: manifest.version, checksum }, retained, payload.allowDowngrade);
  const stored = (await svc.plugins.getConfig(existing.pluginId)) ?? {};
  const effective = { ...(manifest.defaultConfig ?? {}), ...stored };
  const errors = validateStoredConfig(manifest.configSchema ?? null, effective);
  if (errors.length > 0) {
    throw new AppError(
      "CONFIG_INVALID",
      "the plugin's current config does not satisfy the new configSchema",
      {
        errors,
        detail: "Change the config first (PUT .../config), or ship a configSchema that accepts it.",
      },
    );
  }
  return existing.pluginId;
}

/**
 * update's version rule, the one the job and the dry-run plan (core/plans) both run: the same
 * version and bytes as installed is already applied (nothing to change, no error); otherwise the
 * version must be newer (unless allowDowngrade), and a version already stored (`retained`, its
 * version row) must come with the same bytes. Answers whether the change is already applied.
 */
export function checkUpdateVersion(
  existing: { pluginId: string; version: string; checksum: string; legacy?: unknown },
  next: { version: string; checksum: string },
  /** Truthy `legacy`: an adopted native plugin or build (PluginRecord / PluginVersionRecord). */
  retained: { checksum: string; legacy?: unknown } | null,
  allowDowngrade: boolean | undefined,
): { alreadyApplied: boolean } {
  const alreadyApplied = existing.version === next.version && existing.checksum === next.checksum;
  if (!alreadyApplied && !allowDowngrade && !isNewEnough(next.version, existing)) {
    throw new AppError(
      "VERSION_NOT_NEWER",
      `version ${next.version} is not newer than the installed ${existing.version}`,
      { detail: "Bump the version in manifest.json, or send allowDowngrade=true to replace it anyway." },
    );
  }
  // An old native build of the same version has no package: the package takes its place.
  if (retained && retained.checksum !== next.checksum && !retained.legacy) {
    throw new AppError(
      "VERSION_NOT_NEWER",
      `version ${next.version} of ${existing.pluginId} is already stored with different content`,
      { detail: "A version's artifact never changes once stored: bump the version in manifest.json." },
    );
  }
  return { alreadyApplied };
}

/**
 * Newer than the installed version. A package replacing an adopted native plugin may also keep
 * its version (the same release, packaged), and old versions that are not semver ("v3") do not
 * constrain it.
 */
function isNewEnough(version: string, existing: { version: string; legacy?: unknown }): boolean {
  if (!existing.legacy) return semver.gt(version, existing.version);
  return semver.valid(existing.version) === null || semver.gte(version, existing.version);
}

async function assertNameFree(svc: JobServices, name: string, self: string): Promise<void> {
  const key = nameKey(name);
  const holder = (await svc.plugins.listAll()).find((p) => p.pluginId !== self && nameKey(p.name) === key);
  if (holder) {
    throw new AppError("PLUGIN_EXISTS", `a plugin named "${name}" is already installed`, {
      detail: `The package's name belongs to ${holder.pluginId}: give the package another name, or update that plugin.`,
      extras: { pluginId: holder.pluginId },
    });
  }
}

/** Without a configured policy nothing is trusted: unsigned local uploads pass, market installs do not. */
const NO_TRUST = new SignaturePolicy({ requireSignature: false, trustedKeys: [], revokedKeys: [] });

export function signaturePolicy(svc: JobServices): SignaturePolicy {
  return svc.signatures ?? NO_TRUST;
}

/**
 * rollback: the target version's stored signature and key id, checked again against the
 * current trusted and revoked keys (KEY_REVOKED, KEY_UNTRUSTED, SIGNATURE_INVALID;
 * SIGNATURE_MISSING for an unsigned version while signature.require_signature is on).
 */
export function checkStoredSignature(svc: JobServices, version: PluginVersionRecord): string | null {
  return signaturePolicy(svc).checkStored({
    pluginId: version.pluginId,
    version: version.version,
    sha256: version.checksum,
    signature:
      version.signature && version.signatureKeyId
        ? { keyId: version.signatureKeyId, signature: version.signature }
        : null,
  });
}

/**
 * install / update / rollback: the platform is new enough (`minVersion`), every
 * dependency is installed, enabled and in range, and (for a plugin others depend
 * on) the new version still satisfies their ranges.
 */
export async function checkCompatibility(
  svc: JobServices,
  manifest: Manifest,
  existing: PluginRecord | null,
): Promise<void> {
  checkPlatformVersion(manifest.minVersion, svc.settings.platformVersion ?? DEFAULT_PLATFORM_VERSION);
  const all = await svc.plugins.listAll();
  checkDependencies(manifest, all);
  if (existing) checkDependentsAccept(existing, manifest.version, all);
}

const DEFAULT_PLATFORM_VERSION = "1.0.0";
