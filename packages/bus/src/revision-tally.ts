import type { NodeInfo } from "./node-info.js";

/** How far a revision has spread: JobResult.nodes plus the ids still pending. */
export interface RevisionProgress {
  /** Nodes live at the start of the wait or that joined during it. */
  expected: number;
  /** Expected nodes whose appliedRevision reached the revision (failed ones included). */
  applied: number;
  /**
   * Nodes that applied the revision but report the plugin in state "error", or
   * still serving an older version with the reason the change failed (a failed
   * hot swap keeps the old version loaded and reports why).
   */
  failed: { nodeId: string; error: string }[];
  /** Expected node ids that had not applied when the wait ended (left, slow or stuck). */
  pending: string[];
}

/**
 * Accumulates registry snapshots during a wait. Pure, so the rules are easy to
 * test: a node once seen stays expected even if it disappears (it did not confirm),
 * and the wait is over when every node that is live right now has applied.
 */
export class RevisionTally {
  private readonly latest = new Map<string, NodeInfo>();
  private liveNow: NodeInfo[] = [];

  constructor(
    readonly revision: number,
    readonly pluginId?: string,
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

  /** Whether `node` has reached the revision (the moment to report it). */
  reached(node: NodeInfo): boolean {
    return this.hasApplied(node);
  }

  /** What `node` did with the revision: failed when it reports the job's plugin in error. */
  outcomeOf(node: NodeInfo): { outcome: "applied" | "failed"; error?: string } {
    const failure = this.failureOf(node);
    return failure === null ? { outcome: "applied" } : { outcome: "failed", error: failure };
  }

  /** Every live node has applied (also true when no node is live: nobody to wait for). */
  get done(): boolean {
    return this.liveNow.every((node) => this.hasApplied(node));
  }

  result(): RevisionProgress {
    const nodes = [...this.latest.values()];
    const applied = nodes.filter((node) => this.hasApplied(node));
    const failed: RevisionProgress["failed"] = [];
    for (const node of applied) {
      const error = this.failureOf(node);
      if (error !== null) failed.push({ nodeId: node.nodeId, error });
    }
    return {
      expected: nodes.length,
      applied: applied.length,
      failed,
      pending: nodes.filter((node) => !this.hasApplied(node)).map((node) => node.nodeId),
    };
  }

  private failureOf(node: NodeInfo): string | null {
    if (this.pluginId === undefined) return null;
    const entry = node.plugins.find((p) => p.pluginId === this.pluginId);
    if (!entry || !(entry.state === "error" || entry.error)) return null;
    return entry.error || `plugin ${this.pluginId} failed to load`;
  }

  private hasApplied(node: NodeInfo): boolean {
    return node.appliedRevision >= this.revision;
  }
}
