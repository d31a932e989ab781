import { LATENCY_BUCKETS_MS, type NodeFigures, type PluginVersionCounters } from "@arcade/contracts";

/**
 * From the nodes' cumulative counters (NodePluginState.counters, reported with every heartbeat)
 * to the figures a step's analysis judges: the difference between a reading at the start of a
 * hold and one at its end, per node and version, with the p99 taken from latency buckets.
 */

/** One entry per LATENCY_BUCKETS_MS bound, plus the bucket above the last bound. */
export const LATENCY_BUCKET_COUNT = LATENCY_BUCKETS_MS.length + 1;

/** A histogram with no calls in it. */
export function emptyLatency(): number[] {
  return new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
}

/** The bucket a call of `ms` falls in: the first bound it does not exceed, else the last bucket. */
export function latencyBucket(ms: number): number {
  const i = LATENCY_BUCKETS_MS.findIndex((bound) => ms <= bound);
  return i === -1 ? LATENCY_BUCKETS_MS.length : i;
}

/** Bucket-wise sum; a missing or non-finite entry counts as 0. */
export function mergeLatency(histograms: readonly (readonly number[])[]): number[] {
  const merged = emptyLatency();
  for (const h of histograms) {
    for (let i = 0; i < LATENCY_BUCKET_COUNT; i++) merged[i] = (merged[i] as number) + countAt(h, i);
  }
  return merged;
}

/**
 * The q-quantile (0 < q <= 1) of a bucketed latency in ms; null with no calls. Within its
 * bucket the value is interpolated linearly between the bucket's bounds (as Prometheus'
 * histogram_quantile does); a quantile in the bucket above the last bound answers that bound,
 * which is all the histogram can say (it is a lower bound there).
 */
export function latencyQuantile(latency: readonly number[], q: number): number | null {
  let total = 0;
  for (let i = 0; i < LATENCY_BUCKET_COUNT; i++) total += countAt(latency, i);
  if (total === 0) return null;
  const rank = Math.min(Math.max(q, 0), 1) * total;
  let below = 0;
  for (let i = 0; i < LATENCY_BUCKETS_MS.length; i++) {
    const count = countAt(latency, i);
    if (count > 0 && below + count >= rank) {
      const lower = i === 0 ? 0 : (LATENCY_BUCKETS_MS[i - 1] as number);
      const upper = LATENCY_BUCKETS_MS[i] as number;
      return lower + ((upper - lower) * (rank - below)) / count;
    }
    below += count;
  }
  return LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1] as number;
}

/** The p99 of a bucketed latency in ms; null with no calls. */
export function latencyP99(latency: readonly number[]): number | null {
  return latencyQuantile(latency, 0.99);
}

/** What one node reported at one moment: its counters, and when it started (a restart resets them). */
export interface CountersReading {
  nodeId: string;
  /** The node's start time as its heartbeat says (NodeHeartbeat.startedAt). */
  startedAt?: string;
  counters: readonly PluginVersionCounters[];
}

/**
 * The counters of `version` that grew between two readings of one node. Without a reading
 * before (the node joined during the window, or had not loaded the version yet), everything
 * counted so far belongs to the window. A node that restarted in between (another startedAt,
 * or any counter lower than before) counted afresh: its new counters are the window's.
 * null when the later reading has no counters for the version (the node never loaded it).
 */
export function countersDelta(
  version: string,
  before: CountersReading | null | undefined,
  after: CountersReading,
): PluginVersionCounters | null {
  const now = after.counters.find((c) => c.version === version);
  if (!now) return null;
  const then = before?.counters.find((c) => c.version === version);
  const restarted =
    before !== null &&
    before !== undefined &&
    before.startedAt !== undefined &&
    after.startedAt !== undefined &&
    before.startedAt !== after.startedAt;
  if (!then || restarted || wentBack(then, now)) return copyCounters(now);
  return {
    version,
    loadFailures: now.loadFailures - then.loadFailures,
    crashes: now.crashes - then.crashes,
    calls: now.calls - then.calls,
    errors: now.errors - then.errors,
    latency: Array.from(
      { length: LATENCY_BUCKET_COUNT },
      (_, i) => countAt(now.latency, i) - countAt(then.latency, i),
    ),
  };
}

/** A node's figures of one version over a window, for analyseStep (p99 from its buckets). */
export function figuresOf(nodeId: string, counters: PluginVersionCounters): NodeFigures {
  const latency = mergeLatency([counters.latency]);
  return {
    nodeId,
    version: counters.version,
    loadFailures: counters.loadFailures,
    crashes: counters.crashes,
    calls: counters.calls,
    errors: counters.errors,
    p99Ms: counters.calls > 0 ? latencyP99(latency) : null,
    latency,
  };
}

/**
 * Each node's figures of `version` between two sets of readings (by node id): the nodes of
 * `after` that have counters for the version; a node missing from `before` counts from zero.
 */
export function figuresBetween(
  version: string,
  before: readonly CountersReading[],
  after: readonly CountersReading[],
): NodeFigures[] {
  const earlier = new Map(before.map((r) => [r.nodeId, r]));
  return after.flatMap((reading) => {
    const delta = countersDelta(version, earlier.get(reading.nodeId), reading);
    return delta ? [figuresOf(reading.nodeId, delta)] : [];
  });
}

function wentBack(then: PluginVersionCounters, now: PluginVersionCounters): boolean {
  if (
    now.loadFailures < then.loadFailures ||
    now.crashes < then.crashes ||
    now.calls < then.calls ||
    now.errors < then.errors
  ) {
    return true;
  }
  for (let i = 0; i < LATENCY_BUCKET_COUNT; i++) {
    if (countAt(now.latency, i) < countAt(then.latency, i)) return true;
  }
  return false;
}

function copyCounters(c: PluginVersionCounters): PluginVersionCounters {
  return {
    version: c.version,
    loadFailures: c.loadFailures,
    crashes: c.crashes,
    calls: c.calls,
    errors: c.errors,
    latency: mergeLatency([c.latency]),
  };
}

function countAt(histogram: readonly number[], i: number): number {
  const n = histogram[i];
  return typeof n === "number" && Number.isFinite(n) && n > 0 ? n : 0;
}
