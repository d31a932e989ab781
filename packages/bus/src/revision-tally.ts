import type { ConvergenceNodes, NodePluginState } from "@arcade/contracts";
import { type NodeAnswer, summarizeConvergence } from "@arcade/core";
import type { NodeInfo } from "./node-info.js";

/** How far a revision has spread, as the job result's `nodes` (honest convergence). */
export type RevisionProgress = ConvergenceNodes;

/**
 * What a change asked the nodes for, so a node that reached its revision can be judged: the
 * plugin loaded at `version` (and `checksum`), or gone (`version` null: disabled, uninstalled).
 */
export interface RevisionExpectation {
  pluginId: string;
  version: string | null;
  /** Checked where a node is expected to run `version` itself; null or absent: not checked. */
  checksum?: string | null;
  /**
   * The version each node is expected to run when they differ (a canary step: some nodes keep
   * the old version); null: the node should not run the plugin. Default: `version` everywhere.
   */
  versionFor?: (nodeId: string) => string | null;
}

/**
 * Accumulates registry snapshots during a wait. Pure, so the rules are easy to
 * test: a node once seen stays expected even if it disappears (it did not confirm),
 * and the wait is over when every node that is live right now has answered.
 *
 * A node answers once its appliedRevision reached the revision and its entry for the plugin
 * has settled (not "loading"). It applied the change when it reports what the change asked for
 * (the plugin loaded at the expected version and checksum, without a load error; or the plugin
 * gone); otherwise it failed, with the node's own error when it gives one. Without an
 * expectation, reaching the revision is enough (a wait that is not about one plugin).
 */
export class RevisionTally {
  private readonly latest = new Map<string, NodeInfo>();
  private liveNow: NodeInfo[] = [];

  constructor(
    readonly revision: number,
    readonly expectation?: RevisionExpectation,
  ) {}

  observe(liveNodes: NodeInfo[]): void {
    this.liveNow = liveNodes;
    for (const node of liveNodes) this.latest.set(node.nodeId, node);
  }

  /**
   * One node's own report (its acknowledgement, pushed right after it applied a change): it is
   * live and in this state now, whether or not the last registry read had it yet.
   */
  acknowledge(node: NodeInfo): void {
    this.latest.set(node.nodeId, node);
    this.liveNow = [...this.liveNow.filter((n) => n.nodeId !== node.nodeId), node];
  }

  /** What `node` did with the change; null while it has not answered (revision not reached, still loading). */
  answerOf(node: NodeInfo): NodeAnswer | null {
    if (node.appliedRevision < this.revision) return null;
    const expectation = this.expectation;
    if (!expectation) return { nodeId: node.nodeId, outcome: "applied" };
    const entry = node.plugins.find((p) => p.pluginId === expectation.pluginId);
    const wanted = expectation.versionFor ? expectation.versionFor(node.nodeId) : expectation.version;
    const failure = wanted === null ? stillLoaded(entry) : loadFailure(entry, wanted, expectation);
    if (failure === undefined) return null;
    return failure === null
      ? { nodeId: node.nodeId, outcome: "applied" }
      : { nodeId: node.nodeId, outcome: "failed", error: failure };
  }

  /** Every live node has answered (also true when no node is live: nobody to wait for). */
  get done(): boolean {
    return this.liveNow.every((node) => this.answerOf(node) !== null);
  }

  /** The honest `nodes` once the wait is over: every node seen, applied, failed or pending. */
  result(): RevisionProgress {
    const nodes = [...this.latest.values()].sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1));
    const answers = nodes.flatMap((node) => this.answerOf(node) ?? []);
    // The wait is over (every live node answered, or the time ran out): the summary is final.
    return summarizeConvergence(
      nodes.map((node) => node.nodeId),
      answers,
      { elapsedMs: 0, timeoutMs: 0 },
    ).nodes;
  }
}

/** Why a node that should not run the plugin still does; null when it is gone; undefined: not settled. */
function stillLoaded(entry: NodePluginState | undefined): string | null | undefined {
  if (!entry || entry.state === "unloaded" || entry.state === "error") return null;
  if (entry.state === "loading") return undefined;
  return `still runs ${entry.pluginId} ${entry.version}`;
}

/**
 * Why a node did not load `wanted`: its own error when it reports one (a failed swap keeps the
 * old version loaded and says why), else what it runs instead. null when it runs `wanted`;
 * undefined while the plugin is still loading there.
 */
function loadFailure(
  entry: NodePluginState | undefined,
  wanted: string,
  expectation: RevisionExpectation,
): string | null | undefined {
  if (!entry) return `${expectation.pluginId} ${wanted} is not loaded`;
  if (entry.state === "loading") return undefined;
  // A node running several versions (A/B, two-phase prepare) lists them in `serving`.
  const runsWanted =
    (entry.version === wanted &&
      (wanted !== expectation.version || !expectation.checksum || entry.checksum === expectation.checksum)) ||
    (entry.serving !== undefined && Object.hasOwn(entry.serving, wanted));
  if (entry.state === "loaded" && runsWanted && !entry.error) return null;
  if (entry.error) return entry.error;
  if (entry.state === "error") return `${expectation.pluginId} ${entry.version} failed to load`;
  if (runsWanted) return `${expectation.pluginId} ${wanted} is ${entry.state}`;
  return entry.version === wanted
    ? `runs other bytes of ${expectation.pluginId} ${wanted} (SHA-256 ${entry.checksum.slice(0, 12)}…)`
    : `runs ${expectation.pluginId} ${entry.version} instead of ${wanted}`;
}
