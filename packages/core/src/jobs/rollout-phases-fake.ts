import type {
  ConvergenceNodes,
  JobResult,
  NodePluginState,
  PluginVersionCounters,
  RolloutPlacement,
  RolloutRequest,
} from "@arcade/contracts";
import type { WaitForRevisionOptions } from "../ports/convergence.js";
import { silentLogger } from "../ports/logger.js";
import type { NodeHeartbeat } from "../ports/node-presence.js";
import type { PlacementWrite } from "../ports/plugin-repo.js";
import type { RolloutRun } from "./rollout-run.js";
import type { JobServices } from "./services.js";

/**
 * A fake of the few ports the two-phase and A/B batch functions use (unit tests only): a
 * plugin row and its placement, the revision, the convergence wait answered by `answer`, the
 * node directory answered by `nodes`, and the job row's result.
 */
export class PhasesFake {
  revision = 10;
  placement: RolloutPlacement | null = null;
  /** Every placement written, in order; null for a delete. */
  readonly writes: (PlacementWrite | null)[] = [];
  readonly waits: { revision: number; versionFor: (nodeId: string) => string | null }[] = [];
  plugin = { pluginId: "plugin_demo_abc123", version: "1.0.0", checksum: "a".repeat(64) };
  deletedVersions: string[] = [];
  jobResult: JobResult | null = null;
  readonly events: unknown[] = [];
  /** What the convergence wait answers for a revision (default: every node applied). */
  answer: (revision: number) => ConvergenceNodes = () => ({
    expected: 3,
    applied: ["n1", "n2", "n3"],
    failed: [],
    pending: [],
  });
  /** What the node directory lists, per call (the revision written last is passed). */
  nodes: (revision: number) => NodeHeartbeat[] = () => [];

  readonly svc: JobServices;

  constructor(convergenceTimeoutMs = 300) {
    const tx = {
      putPlacement: async (p: PlacementWrite) => {
        this.writes.push(p);
        this.placement = { ...p, updatedAt: p.updatedAt ?? new Date().toISOString() };
      },
      deletePlacement: async () => {
        this.writes.push(null);
        this.placement = null;
      },
      bumpRevision: async () => ++this.revision,
      findById: async () => ({ ...this.plugin }),
      versions: async () => [
        {
          version: "2.0.0",
          manifest: { name: "demo", version: "2.0.0", pluginType: "custom", entryPoint: "i.mjs" },
        },
      ],
      updatePlugin: async (_id: string, columns: { version?: string; checksum?: string }) => {
        this.plugin = { ...this.plugin, ...columns } as typeof this.plugin;
      },
      deleteVersion: async (_id: string, version: string) => {
        this.deletedVersions.push(version);
      },
      deletePlugin: async () => {},
    };
    this.svc = {
      plugins: {
        transaction: async <T>(work: (t: typeof tx) => Promise<T>) => work(tx),
        findById: async () => ({ ...this.plugin }),
      },
      jobs: {
        get: async () => ({ result: this.jobResult }),
        update: async (_id: string, patch: { result?: JobResult }) => {
          if (patch.result) this.jobResult = patch.result;
        },
      },
      events: { publish: async () => {} },
      jobEvents: { publish: async (_id: string, event: unknown) => void this.events.push(event) },
      convergence: {
        waitForRevision: async (options: WaitForRevisionOptions) => {
          this.waits.push({
            revision: options.revision,
            versionFor: options.versionFor ?? (() => options.version ?? null),
          });
          return this.answer(options.revision);
        },
      },
      nodes: { listNodes: async () => this.nodes(this.revision) },
      clock: { now: () => new Date() },
      logger: silentLogger,
      settings: { convergenceTimeoutMs, retainVersions: 3 },
    } as unknown as JobServices;
  }
}

export function phasesRun(request: RolloutRequest): RolloutRun {
  return {
    jobId: "job-1",
    pluginId: "plugin_demo_abc123",
    op: "update",
    request,
    fromVersion: "1.0.0",
    toVersion: "2.0.0",
    checksum: "b".repeat(64),
    payload: {
      requestedBy: "test",
      pluginId: "plugin_demo_abc123",
      artifact: { source: "market", marketId: "demo" },
    },
    logger: silentLogger,
  };
}

/** A node's heartbeat with one plugin entry. */
export function heartbeat(
  nodeId: string,
  appliedRevision: number,
  plugin: Partial<NodePluginState> & { counters?: PluginVersionCounters[] },
): NodeHeartbeat {
  return {
    nodeId,
    host: "h",
    pid: 1,
    startedAt: "2026-01-01T00:00:00.000Z",
    appliedRevision,
    version: "1.0.0",
    plugins: [
      {
        nodeId,
        pluginId: "plugin_demo_abc123",
        version: "1.0.0",
        checksum: "a".repeat(64),
        state: "loaded",
        ...plugin,
      },
    ],
  };
}
