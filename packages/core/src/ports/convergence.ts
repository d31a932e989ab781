import type { JobResult } from "@arcade/contracts";

export type NodesResult = NonNullable<JobResult["nodes"]>;

/** What one node reported for a revision, as it arrives. */
export interface NodeReport {
  nodeId: string;
  revision: number;
  outcome: "applied" | "failed";
  error?: string;
}

/** Waits (bounded) until the live nodes report that they applied a revision. */
export interface ConvergenceWaiter {
  waitForRevision(options: {
    revision: number;
    pluginId: string;
    timeoutMs: number;
    /** Called once per node as its report arrives (the job pushes it as a live event). */
    onNode?: (report: NodeReport) => void;
  }): Promise<NodesResult>;
}
