import type { JobResult } from "@arcade/contracts";

export type NodesResult = NonNullable<JobResult["nodes"]>;

/** Waits (bounded) until the live nodes report that they applied a revision. */
export interface ConvergenceWaiter {
  waitForRevision(options: { revision: number; pluginId: string; timeoutMs: number }): Promise<NodesResult>;
}
