import type { PlannedStep, RolloutBatch, Split } from "@arcade/contracts";

/**
 * What every live node serves after each step: the new version on the step's nodes, the old
 * one elsewhere (nothing on a first install, or when `toVersion` is null: an unload), both in
 * the requested shares for a split; a two-phase prepare loads the new version and serves the old.
 */
export function plannedSteps(
  batches: readonly RolloutBatch[],
  versions: { fromVersion: string | null; toVersion: string | null; split?: Split | undefined },
): PlannedStep[] {
  const all = batches.at(-1)?.nodes ?? [];
  const only = (version: string | null): Record<string, number> =>
    version === null ? {} : { [version]: 100 };
  return batches.map((batch) => ({
    step: batch.step,
    kind: batch.kind,
    holdMs: batch.holdMs,
    nodes: all.map((nodeId) => {
      if (batch.kind === "split") return { nodeId, serves: splitShares(versions) };
      if (batch.kind === "prepare") {
        return {
          nodeId,
          serves: only(versions.fromVersion),
          ...(versions.toVersion ? { loads: versions.toVersion } : {}),
        };
      }
      return {
        nodeId,
        serves: only(batch.nodes.includes(nodeId) ? versions.toVersion : versions.fromVersion),
      };
    }),
  }));
}

function splitShares(versions: {
  fromVersion: string | null;
  split?: Split | undefined;
}): Record<string, number> {
  const shares: Record<string, number> = {};
  let rest = 100;
  for (const [version, percent] of Object.entries(versions.split ?? {})) {
    shares[version] = percent;
    rest -= percent;
  }
  if (versions.fromVersion !== null && rest > 0) shares[versions.fromVersion] = rest;
  return shares;
}
