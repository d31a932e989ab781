import { PluginStatus, type RolloutPlacement } from "@arcade/contracts";
import { type ArtifactSignature, artifactKey, type PluginRecord, type PluginRepo } from "@arcade/core";
import type { DesiredAlongside, DesiredPlugin } from "./reconciler.js";

export interface DesiredPluginsOptions {
  /**
   * This node's id: a rollout's placement names the nodes that run its new version (canary).
   * Without it the node is in no canary (it still loads an alongside version).
   */
  nodeId?: string;
}

/** What the node needs of one version row to load it. */
interface VersionToLoad {
  version: string;
  checksum: string;
  objectKey: string;
  manifest: DesiredPlugin["manifest"];
  signature: ArtifactSignature | null;
}

/**
 * The enabled plugins, each at the version this node should serve: the plugin row's version,
 * or, while the plugin has a rollout in progress (a placement in t_plugin_rollout):
 * - a canary node (in `nodes`) serves `toVersion` (its version row: checksum, artifact,
 *   manifest, signature) instead of the row's version;
 * - `alongside`: the node also loads `toVersion` next to the version it serves, with the share
 *   of calls, the salt and the caller-key header;
 * - `hold`: the node holds new calls of the plugin;
 * - an install into a running cluster (`fromVersion` null): only canary nodes run the plugin
 *   (every node, once a two-phase prepare loads it `alongside`: there is no other version).
 *
 * Every event asks for it, so configs (and the signature stored with the current version)
 * are cached per plugin row: any change of a plugin's config also moves its updateTime
 * (configure, install, update, rollback all set it), so one list query (and one query of the
 * placements) per event is enough; a placement's version row is read once per rollout job.
 * Plugins adopted from a pre-refactor installation (`legacy`) are native `.so` builds with no
 * package to load: no node ever tries, until an update replaces them.
 */
export function desiredPluginsReader(
  plugins: PluginRepo,
  options: DesiredPluginsOptions = {},
): () => Promise<DesiredPlugin[]> {
  const nodeId = options.nodeId ?? null;
  const configs = new Map<
    string,
    { stamp: string; config: Record<string, unknown> | null; signature: ArtifactSignature | null }
  >();
  /** Version rows of placements, per `pluginId job version`: a rollout's target does not change under it. */
  const targets = new Map<string, VersionToLoad | null>();

  const targetOf = async (p: RolloutPlacement): Promise<VersionToLoad | null> => {
    const key = `${p.pluginId}\n${p.jobId}\n${p.toVersion}`;
    if (targets.has(key)) return targets.get(key) ?? null;
    const row = await plugins.getVersion(p.pluginId, p.toVersion);
    const target =
      row === null
        ? null
        : {
            version: row.version,
            checksum: row.checksum,
            objectKey: row.objectKey === "" ? artifactKey(row.pluginId, row.version) : row.objectKey,
            manifest: row.manifest,
            signature: signatureOf(row),
          };
    // A missing row is not cached: the worker writes the version row before the placement, and
    // a row that appears later is picked up by the next read.
    if (target) targets.set(key, target);
    return target;
  };

  return async () => {
    // Placements first, then the plugin rows, one after the other: a rollout ends (completes,
    // is promoted) in one transaction that moves the row to the new version and deletes the
    // placement. Read in this order, a read that straddles that commit sees the old placement
    // with the new row (this node serves the new version, still holding: safe), never the old
    // row without its placement (a two-phase node would lift its hold and serve the old version
    // after others switched; a canary node would go back to the old version for a moment).
    const placements = await plugins.listPlacements();
    const all = await plugins.listAll();
    const enabled = all.filter((p) => p.isEnabled !== PluginStatus.Disabled && !p.legacy);
    const live = new Set(enabled.map((p) => p.pluginId));
    for (const id of configs.keys()) if (!live.has(id)) configs.delete(id);
    const placed = new Map(placements.map((p) => [p.pluginId, p]));
    const jobs = new Set(placements.map((p) => `${p.pluginId}\n${p.jobId}`));
    for (const key of targets.keys()) {
      if (!jobs.has(key.slice(0, key.lastIndexOf("\n")))) targets.delete(key);
    }

    const desired = await Promise.all(
      enabled.map(async (p): Promise<DesiredPlugin | null> => {
        const stamp = `${p.updateTime.getTime()}:${p.version}:${p.checksum}`;
        let cached = configs.get(p.pluginId);
        if (cached?.stamp !== stamp) {
          const [config, version] = await Promise.all([
            plugins.getConfig(p.pluginId),
            plugins.getVersion(p.pluginId, p.version),
          ]);
          cached = { stamp, config, signature: version ? signatureOf(version) : null };
          configs.set(p.pluginId, cached);
        }
        const own: VersionToLoad = {
          version: p.version,
          checksum: p.checksum,
          objectKey: artifactKey(p.pluginId, p.version),
          manifest: p.manifest,
          signature: cached.signature,
        };
        const placement = placed.get(p.pluginId);
        if (!placement) return asDesired(p, own, cached.config);
        const desired = placedOnNode(p, own, cached.config, placement, nodeId, await targetOf(placement));
        // Both versions of the rollout stay cached: going back or forth is a local switch.
        if (desired) desired.keepCached = rolloutVersions(placement);
        return desired;
      }),
    );
    return desired.filter((d): d is DesiredPlugin => d !== null);
  };
}

/** What one node runs of a plugin with a rollout in progress (see desiredPluginsReader). */
function placedOnNode(
  p: PluginRecord,
  own: VersionToLoad,
  config: Record<string, unknown> | null,
  placement: RolloutPlacement,
  nodeId: string | null,
  target: VersionToLoad | null,
): DesiredPlugin | null {
  const canary = nodeId !== null && placement.nodes.includes(nodeId);
  // The row of the new version is missing (not written yet, or deleted): serve what the plugin row names.
  const next = target ?? (p.version === placement.toVersion ? own : null);
  if (placement.fromVersion === null) {
    // An install: the plugin row names the new version, and only the nodes the rollout names
    // run it. A two-phase prepare of an install (alongside) loads it on every node: there is no
    // other version to serve, so it is the one this node runs.
    if (!canary && placement.alongside === null) return null;
    const desired = asDesired(p, next ?? own, config);
    if (placement.hold) desired.hold = true;
    return desired;
  }
  const serves = canary && next ? next : own;
  const desired = asDesired(p, serves, config);
  if (placement.hold) desired.hold = true;
  if (placement.alongside && next && next.version !== serves.version) {
    const alongside: DesiredAlongside = {
      ...next,
      share: placement.alongside.share,
      salt: placement.alongside.salt,
      callerKeyHeader: placement.alongside.callerKeyHeader,
    };
    desired.alongside = alongside;
  }
  return desired;
}

function rolloutVersions(placement: RolloutPlacement): string[] {
  return placement.fromVersion === null
    ? [placement.toVersion]
    : [placement.fromVersion, placement.toVersion];
}

function asDesired(p: PluginRecord, v: VersionToLoad, config: Record<string, unknown> | null): DesiredPlugin {
  return {
    pluginId: p.pluginId,
    version: v.version,
    checksum: v.checksum,
    objectKey: v.objectKey,
    manifest: v.manifest,
    config,
    signature: v.signature,
  };
}

/** A version row without both fields counts as unsigned: the gate decides. */
function signatureOf(row: {
  signature?: string | null;
  signatureKeyId?: string | null;
}): ArtifactSignature | null {
  return row.signature && row.signatureKeyId ? { keyId: row.signatureKeyId, signature: row.signature } : null;
}
