import { assignVersion, splitBuckets } from "@arcade/core";

/** How calls of a plugin split between the version a node serves and the one loaded alongside it. */
export interface AlongsideRoute {
  /** Percent of calls (0..100) the alongside version serves; 0: loaded and initialised, never served. */
  share: number;
  /** Mixed into the caller key's hash (the rollout's job id). */
  salt: string;
  /** The call header whose value keeps a caller on one version; null: every call is drawn at random. */
  callerKeyHeader: string | null;
}

/** Where a call finds its caller key: given outright, or read from the call's headers. */
export interface CallerKeySource {
  callerKey?: string;
  header?: (name: string) => string | undefined;
}

/** The caller key of a call under `route` (an empty header counts as none). */
export function callerKeyOf(source: CallerKeySource, route: AlongsideRoute): string | undefined {
  const key =
    source.callerKey ?? (route.callerKeyHeader === null ? undefined : source.header?.(route.callerKeyHeader));
  return key === undefined || key === "" ? undefined : key;
}

/**
 * The version that serves one call: core's A/B assignment over the two versions (sticky per
 * caller key, random per call without one). A share of 0 never picks the alongside version.
 */
export function pickVersion(
  serving: string,
  alongside: string,
  route: AlongsideRoute,
  callerKey: string | undefined,
  random?: () => number,
): string {
  if (!(route.share > 0)) return serving;
  const buckets = splitBuckets({ [alongside]: Math.min(route.share, 100) }, serving);
  return assignVersion(buckets, {
    callerKey,
    salt: route.salt,
    ...(random ? { random } : {}),
  });
}
