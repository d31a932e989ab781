import { createHash } from "node:crypto";
import type { Split } from "@arcade/contracts";
import semver from "semver";

/** Shares are resolved to basis points: 0.01% steps, so `{ "2.0.0": 0.5 }` still means something. */
const SCALE = 10_000;

/** One version's slice of [0, SCALE): calls whose point falls below `upTo` (and above the previous) go to it. */
export interface SplitBucket {
  version: string;
  upTo: number;
}

/**
 * The buckets of a split: each new version its share, in semantic-version order (so the table
 * does not depend on the order of the JSON keys), then the current version the rest. Assumes a
 * split that passed validateRolloutRequest (shares add up to at most 100).
 */
export function splitBuckets(split: Split, currentVersion: string): SplitBucket[] {
  const buckets: SplitBucket[] = [];
  let upTo = 0;
  for (const version of Object.keys(split).sort(semver.compare)) {
    upTo = Math.min(SCALE, upTo + Math.round((split[version] ?? 0) * (SCALE / 100)));
    buckets.push({ version, upTo });
  }
  buckets.push({ version: currentVersion, upTo: SCALE });
  return buckets;
}

export interface AssignOptions {
  /** The caller's key (the call's caller-key header): the same key always gets the same version. */
  callerKey?: string | undefined;
  /**
   * Mixed into the key's hash (the job id of the rollout), so each split shuffles callers anew
   * instead of putting the same callers first every time.
   */
  salt?: string;
  /** For calls without a key: a number in [0, 1). Injectable for tests; Math.random by default. */
  random?: () => number;
}

/**
 * The version that serves one call. With a caller key: sticky and deterministic, the key's
 * SHA-256 read as a uniform point in [0, 1); without one: a fresh random point per call.
 */
export function assignVersion(buckets: readonly SplitBucket[], options: AssignOptions = {}): string {
  const point =
    options.callerKey !== undefined
      ? Math.floor(keyPoint(options.callerKey, options.salt ?? "") * SCALE)
      : Math.floor(clampUnit((options.random ?? Math.random)()) * SCALE);
  for (const bucket of buckets) if (point < bucket.upTo) return bucket.version;
  // Unreachable with buckets from splitBuckets (the last ends at SCALE).
  const last = buckets.at(-1);
  if (!last) throw new Error("assignVersion needs at least one bucket");
  return last.version;
}

/** A key's point in [0, 1): the first 32 bits of SHA-256(salt NUL key). */
function keyPoint(key: string, salt: string): number {
  const digest = createHash("sha256").update(`${salt}\0${key}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32;
}

function clampUnit(x: number): number {
  if (!(x >= 0)) return 0;
  return x >= 1 ? 1 - Number.EPSILON : x;
}
