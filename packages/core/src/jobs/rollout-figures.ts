import type {
  AbortOn,
  AnalysisVerdict,
  ConvergenceNodes,
  NodeFigures,
  RolloutBatch,
} from "@arcade/contracts";
import { type Dependent, enabledDependents } from "../dependencies/dependents.js";
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

/** The enabled plugins that depend on the one rolled out: judged on the canary nodes too. */
export async function dependentsOf(svc: JobServices, pluginId: string): Promise<Dependent[]> {
  const plugins = await svc.plugins.listAll();
  const plugin = plugins.find((p) => p.pluginId === pluginId);
  return plugin ? enabledDependents(plugin.name, plugins) : [];
}

/** A dependent's counters on one node, and its error there when the node has it in error. */
export type DependentReading = CountersReading & { error?: string };

/** Each dependent's readings (as readCounters), from one read of the registry. */
export async function readDependents(
  svc: JobServices,
  dependents: readonly Dependent[],
): Promise<Map<string, DependentReading[]>> {
  const readings = new Map<string, DependentReading[]>();
  if (dependents.length === 0) return readings;
  const nodes = (await svc.nodes?.listNodes()) ?? [];
  for (const d of dependents) {
    readings.set(
      d.pluginId,
      nodes.map((node) => {
        const state = node.plugins.find((p) => p.pluginId === d.pluginId);
        return {
          nodeId: node.nodeId,
          startedAt: node.startedAt,
          counters: state?.counters ?? [],
          ...(state?.state === "error" ? { error: state.error ?? "in error" } : {}),
        };
      }),
    );
  }
  return readings;
}

/**
 * Dependents are checked against the new version on the canary nodes first: each one's figures
 * on the batch's nodes (where it now runs against the new version) against its figures on the
 * other nodes (against the old one), with the same thresholds, and a dependent in error on a
 * batch node is a load failure. Any abort of a dependent aborts the step, its findings named
 * after the dependent; otherwise the plugin's own verdict stands.
 */
export function withDependents(
  verdict: AnalysisVerdict,
  batch: RolloutBatch,
  dependents: readonly Dependent[],
  before: ReadonlyMap<string, DependentReading[]>,
  after: ReadonlyMap<string, DependentReading[]>,
  abortOn: AbortOn,
): AnalysisVerdict {
  const onNew = new Set(batch.nodes);
  const findings: AnalysisVerdict["findings"] = [];
  for (const d of dependents) {
    const now = after.get(d.pluginId) ?? [];
    const broken = now.filter((r) => onNew.has(r.nodeId) && r.error !== undefined);
    if (broken.length > 0) {
      findings.push({
        check: "loadFailures",
        observed: broken.length,
        limit: 0,
        message: `dependent ${d.name} fails on the canary nodes: ${broken.map((r) => `${r.nodeId}: ${r.error}`).join("; ")}`,
      });
      continue;
    }
    const figures = figuresBetween(d.version, before.get(d.pluginId) ?? [], now);
    const judged = analyseStep({
      canary: { version: d.version, nodes: figures.filter((f) => onNew.has(f.nodeId)) },
      baseline: { version: d.version, nodes: figures.filter((f) => !onNew.has(f.nodeId)) },
      abortOn,
    });
    if (judged.decision !== "abort") continue;
    for (const f of judged.findings) findings.push({ ...f, message: `dependent ${d.name}: ${f.message}` });
  }
  if (findings.length === 0) return verdict;
  return { ...verdict, decision: "abort", findings: [...verdict.findings, ...findings] };
}
