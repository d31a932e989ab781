import type { MarketPluginDetail, MarketVersion } from "@arcade/contracts";
import { AppError, checkPlatformVersion, supportsPlatform } from "@arcade/core";
import semver from "semver";

function compatible(v: MarketVersion, platformVersion: string): boolean {
  return supportsPlatform(v.minPlatformVersion, platformVersion);
}

function newestFirst(a: MarketVersion, b: MarketVersion): number {
  return semver.rcompare(a.version, b.version);
}

/**
 * The newest version this platform can run: stable releases first, a
 * prerelease only when no stable one fits. Versions that are not semver are
 * ignored. Null when nothing fits.
 */
export function latestCompatible(
  versions: readonly MarketVersion[],
  platformVersion: string,
): MarketVersion | null {
  const usable = versions.filter((v) => semver.valid(v.version) && compatible(v, platformVersion));
  const stable = usable.filter((v) => semver.prerelease(v.version) === null).sort(newestFirst);
  return stable[0] ?? usable.sort(newestFirst)[0] ?? null;
}

/**
 * The version to install: exactly the one asked for, or the latest compatible.
 * MARKET_PLUGIN_NOT_FOUND when the plugin has no such version (or none at all);
 * PLATFORM_VERSION_UNSUPPORTED when what exists needs a newer platform.
 */
export function selectVersion(
  plugin: MarketPluginDetail,
  requested: string | undefined,
  platformVersion: string,
): MarketVersion {
  const listed = () => plugin.versions.map((v) => v.version).join(", ") || "none";
  if (requested !== undefined && requested !== "") {
    const found =
      plugin.versions.find((v) => v.version === requested) ??
      (semver.valid(requested)
        ? plugin.versions.find((v) => semver.valid(v.version) && semver.eq(v.version, requested))
        : undefined);
    if (!found) {
      throw new AppError(
        "MARKET_PLUGIN_NOT_FOUND",
        `version ${requested} of ${plugin.marketId} is not in the market`,
        {
          detail: `Published versions: ${listed()}.`,
          extras: { marketId: plugin.marketId, version: requested },
        },
      );
    }
    checkPlatformVersion(found.minPlatformVersion, platformVersion);
    return found;
  }
  if (plugin.versions.length === 0) {
    throw new AppError("MARKET_PLUGIN_NOT_FOUND", `${plugin.marketId} has no published version`, {
      extras: { marketId: plugin.marketId },
    });
  }
  const latest = latestCompatible(plugin.versions, platformVersion);
  if (latest) return latest;
  const lowest = plugin.versions
    .map((v) => v.minPlatformVersion)
    .filter((m): m is string => m !== null && semver.valid(m) !== null)
    .sort(semver.compare)[0];
  if (lowest) checkPlatformVersion(lowest, platformVersion);
  throw new AppError("MARKET_PLUGIN_NOT_FOUND", `${plugin.marketId} has no version this platform can use`, {
    detail: `Published versions: ${listed()}.`,
    extras: { marketId: plugin.marketId },
  });
}
