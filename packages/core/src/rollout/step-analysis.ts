import type {
  AbortOn,
  AnalysisFinding,
  AnalysisVerdict,
  NodeFigures,
  VersionFigures,
} from "@arcade/contracts";
import { LATENCY_BUCKET_COUNT, latencyP99, mergeLatency } from "./figures.js";

/**
 * Thresholds when neither the request nor the config names them: 5 points more errors than the
 * old version, no crash, twice the old version's p99, and 50 calls before error rate and latency
 * may judge (at 50 calls one error is 2%: fewer calls say little).
 */
export const DEFAULT_ABORT_ON: Required<AbortOn> = Object.freeze({
  errorRate: 0.05,
  crashes: 0,
  p99Ratio: 2,
  minCalls: 50,
});

/** A p99 under 1 ms is noise; comparing against it would make any ratio look huge. */
const P99_FLOOR_MS = 1;

/**
 * The figures of the nodes running one version, added up. The p99 is taken from the nodes'
 * merged latency buckets when every node that served calls sent them (a p99 of the whole
 * version); otherwise it falls back to the call-weighted mean of the nodes' p99s, which is only
 * an approximation (p99s do not add).
 */
export function sumFigures(version: string, nodes: readonly NodeFigures[]): VersionFigures {
  let loadFailures = 0;
  let crashes = 0;
  let calls = 0;
  let errors = 0;
  for (const n of nodes) {
    loadFailures += n.loadFailures;
    crashes += n.crashes;
    calls += n.calls;
    errors += n.errors;
  }
  return {
    version,
    nodes: nodes.map((n) => n.nodeId),
    loadFailures,
    crashes,
    calls,
    errors,
    errorRate: calls > 0 ? errors / calls : null,
    p99Ms: calls > 0 ? versionP99(nodes) : null,
  };
}

function versionP99(nodes: readonly NodeFigures[]): number | null {
  const serving = nodes.filter((n) => n.calls > 0);
  if (serving.every((n) => n.latency?.length === LATENCY_BUCKET_COUNT)) {
    return latencyP99(mergeLatency(serving.map((n) => n.latency as number[])));
  }
  let weighted = 0;
  let weight = 0;
  for (const n of serving) {
    if (n.p99Ms === null) continue;
    weighted += n.p99Ms * n.calls;
    weight += n.calls;
  }
  return weight > 0 ? weighted / weight : null;
}

export interface StepFigures {
  /** The new version on the canary nodes (or every node, for two-phase and the last step). */
  canary: { version: string; nodes: readonly NodeFigures[] };
  /** The old version on the other nodes; absent or empty when none runs it. */
  baseline?: { version: string; nodes: readonly NodeFigures[] } | null;
  abortOn?: AbortOn;
}

/**
 * The verdict at the end of a step's hold. Abort on any load failure, on more crashes than
 * allowed, on an error rate above the old version's by more than `errorRate`, or on a p99 more
 * than `p99Ratio` times the old version's. Error rate and latency judge only with at least
 * `minCalls` calls: with fewer the verdict is inconclusive, never healthy, unless the errors
 * already seen would breach the limit even if the missing calls all succeeded (then abort).
 * A baseline with fewer than `minCalls` calls counts as error-free and gives no p99 to compare.
 */
export function analyseStep(input: StepFigures): AnalysisVerdict {
  const limits = { ...DEFAULT_ABORT_ON, ...definedOnly(input.abortOn) };
  const canary = sumFigures(input.canary.version, input.canary.nodes);
  const baseline =
    input.baseline && input.baseline.nodes.length > 0
      ? sumFigures(input.baseline.version, input.baseline.nodes)
      : null;
  const baselineJudges = baseline !== null && baseline.calls >= limits.minCalls;
  const breaches: AnalysisFinding[] = [];
  const notes: AnalysisFinding[] = [];

  if (canary.loadFailures > 0) {
    breaches.push({
      check: "loadFailures",
      observed: canary.loadFailures,
      limit: 0,
      message: `${canary.version} failed to load ${canary.loadFailures} time(s) on the canary nodes`,
    });
  }
  if (canary.crashes > limits.crashes) {
    breaches.push({
      check: "crashes",
      observed: canary.crashes,
      limit: limits.crashes,
      message: `${canary.version} crashed or restarted ${canary.crashes} time(s); at most ${limits.crashes} allowed`,
    });
  }

  const baselineRate = baselineJudges ? (baseline.errorRate ?? 0) : 0;
  const rateLimit = baselineRate + limits.errorRate;
  const enoughCalls = canary.calls >= limits.minCalls;
  // With too few calls, the errors seen so far still decide when even a clean remainder up to
  // minCalls could not bring the rate under the limit.
  const rate = enoughCalls ? (canary.errorRate ?? 0) : canary.errors / limits.minCalls;
  if (rate > rateLimit) {
    breaches.push({
      check: "errorRate",
      observed: canary.errorRate ?? 0,
      limit: rateLimit,
      message:
        `${canary.version} failed ${canary.errors} of ${canary.calls} calls (${percent(canary.errorRate ?? 0)}); ` +
        `the limit is ${percent(rateLimit)} (${baselineJudges ? `${baseline.version}: ${percent(baselineRate)}` : "no baseline"} + ${percent(limits.errorRate)})`,
    });
  }

  if (enoughCalls) {
    if (baselineJudges && canary.p99Ms !== null && baseline.p99Ms !== null) {
      const ratio = canary.p99Ms / Math.max(baseline.p99Ms, P99_FLOOR_MS);
      if (ratio > limits.p99Ratio) {
        breaches.push({
          check: "p99Ratio",
          observed: ratio,
          limit: limits.p99Ratio,
          message: `${canary.version} p99 ${round(canary.p99Ms)}ms is ${round(ratio)}x ${baseline.version}'s ${round(baseline.p99Ms)}ms; at most ${limits.p99Ratio}x allowed`,
        });
      }
    } else {
      notes.push({
        check: "p99Ratio",
        observed: null,
        limit: limits.p99Ratio,
        message: !baseline
          ? "p99 not compared: no node runs the old version"
          : !baselineJudges
            ? `p99 not compared: ${baseline.version} had ${baseline.calls} calls, fewer than ${limits.minCalls}`
            : "p99 not compared: no latency figures",
      });
    }
  }

  if (breaches.length > 0) return { decision: "abort", findings: breaches, canary, baseline };
  if (!enoughCalls) {
    return {
      decision: "inconclusive",
      findings: [
        {
          check: "sample",
          observed: canary.calls,
          limit: limits.minCalls,
          message: `${canary.version} served ${canary.calls} calls, fewer than the ${limits.minCalls} needed to judge`,
        },
      ],
      canary,
      baseline,
    };
  }
  return { decision: "continue", findings: notes, canary, baseline };
}

function definedOnly(abortOn: AbortOn | undefined): Partial<AbortOn> {
  return Object.fromEntries(Object.entries(abortOn ?? {}).filter(([, v]) => v !== undefined));
}

function percent(rate: number): string {
  return `${round(rate * 100)}%`;
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
