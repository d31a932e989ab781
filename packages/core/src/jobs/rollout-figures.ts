import type {
  AbortOn,
  AnalysisVerdict,
  ConvergenceNodes,
  NodeFigures,
  RolloutBatch,
} from "@arcade/contracts";
import { type CountersReading, figuresBetween } from "../rollout/figures.js";
import { analyseStep, sumFigures } from "../rollout/step-analysis.js";
import type { RolloutRun } from "./rollout-run.js";
import type { JobServices } from "./services.js";

/** Each live node's counters of the plugin, as its last heartbeat reported them. */
export async function readCounters(svc: JobServices, pluginId: string): Promise<CountersReading[]> {
  const nodes = (await svc.nodes?.listNodes()) ?? [];
  return nodes.map((node) => ({
    nodeId: node.nodeId,
    startedAt: node.startedAt,
    counters: node.plugins.find((p) => p.pluginId === pluginId)?.counters ?? [],
  }));
}

/**
 * The verdict at the end of a hold: the new version's figures on the batch's nodes against the
 * old version's on the others, between the readings at the start and the end of the hold.
 */
export function holdVerdict(
  run: RolloutRun,
  batch: RolloutBatch,
  before: readonly CountersReading[],
  after: readonly CountersReading[],
  abortOn: AbortOn,
): AnalysisVerdict {
  const onNew = new Set(batch.nodes);
  const canary = figuresBetween(run.toVersion, before, after).filter((f) => onNew.has(f.nodeId));
  const baseline =
    run.fromVersion === null
      ? []
      : figuresBetween(run.fromVersion, before, after).filter((f) => !onNew.has(f.nodeId));
  return analyseStep({
    canary: { version: run.toVersion, nodes: canary },
    baseline: run.fromVersion === null ? null : { version: run.fromVersion, nodes: baseline },
    abortOn,
  });
}

/**
 * A batch node that could not load the new version is a load failure of the canary: the verdict
 * aborts at once, without waiting for the hold. null when every batch node loaded it (or did not
 * answer: pending nodes are judged by their figures at the end of the hold).
 */
export function loadFailureVerdict(
  run: RolloutRun,
  batch: RolloutBatch,
  nodes: ConvergenceNodes,
  abortOn: AbortOn,
): AnalysisVerdict | null {
  const onNew = new Set(batch.nodes);
  const failed = nodes.failed.filter((f) => onNew.has(f.nodeId));
  if (failed.length === 0) return null;
  const figures: NodeFigures[] = failed.map((f) => ({
    nodeId: f.nodeId,
    version: run.toVersion,
    loadFailures: 1,
    crashes: 0,
    calls: 0,
    errors: 0,
    p99Ms: null,
  }));
  const verdict = analyseStep({ canary: { version: run.toVersion, nodes: figures }, abortOn });
  return {
    ...verdict,
    findings: verdict.findings.map((f) =>
      f.check === "loadFailures"
        ? { ...f, message: `${f.message}: ${failed.map((n) => `${n.nodeId}: ${n.error}`).join("; ")}` }
        : f,
    ),
  };
}

/**
 * A step without a hold (the implicit last step of a canary) is not analysed: nothing was
 * watched. Its verdict says so and lets the rollout go on.
 */
export function unwatchedVerdict(run: RolloutRun, batch: RolloutBatch): AnalysisVerdict {
  return {
    decision: "continue",
    findings: [
      {
        check: "sample",
        observed: null,
        limit: 0,
        message: `step ${batch.step} has no hold: it was applied without an analysis`,
      },
    ],
    canary: sumFigures(run.toVersion, []),
    baseline: null,
  };
}
