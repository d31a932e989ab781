import type {
  ConvergenceNodes,
  JobEvent,
  JobResult,
  PluginVersionCounters,
  RolloutPlacement,
  RolloutRequest,
  RolloutState,
} from "@arcade/contracts";
import { describe, expect, it } from "vitest";
import { AppError } from "../errors/app-error.js";
import type { WaitForRevisionOptions } from "../ports/convergence.js";
import { silentLogger } from "../ports/logger.js";
import type { RolloutCommandRecord } from "../ports/rollout-commands.js";
import { emptyLatency } from "../rollout/figures.js";
import { driveRollout } from "./rollout-driver.js";
import { dropFailedPlacement } from "./rollout-placement.js";
import type { RolloutRun } from "./rollout-run.js";
import type { JobServices } from "./services.js";

const NODES = ["node-a", "node-b", "node-c"];

function zeroCounters(version: string): PluginVersionCounters {
  return { version, loadFailures: 0, crashes: 0, calls: 0, errors: 0, latency: emptyLatency() };
}

/** One read of the registry: 100 more calls, `errorRate` of them failed, all in the 10 ms bucket. */
function addCalls(c: PluginVersionCounters, errorRate: number): void {
  c.calls += 100;
  c.errors += Math.round(100 * errorRate);
  c.latency[3] = (c.latency[3] ?? 0) + 100;
}

/**
 * A 3-node cluster in memory: the placement decides which node runs which version; every read
 * of the registry counts 100 more calls on each node for the version it runs, failing
 * `errorRate` of them on the new version. Commands are stored as the job row would.
 */
class Cluster {
  placement: RolloutPlacement | null = null;
  plugin = { pluginId: "p1", version: "1.0.0", checksum: "old" };
  versions = ["2.0.0", "1.0.0"];
  revision = 1;
  jobResult: JobResult | null = { version: "2.0.0", checksum: "new" };
  events: JobEvent[] = [];
  placements: string[][] = [];
  waits: { revision: number; versions: Record<string, string | null> }[] = [];
  command: RolloutCommandRecord | null = null;
  /** Nodes that fail to load the new version. */
  failLoad = new Set<string>();
  private readonly counters = new Map<string, Map<string, PluginVersionCounters>>();

  /**
   * `dependent`: an enabled plugin d1 that depends on p1 and fails that share of its calls on the
   * nodes that run p1's new version (0: healthy everywhere); null: no dependent.
   */
  constructor(
    private readonly errorRate: number,
    private readonly dependent: number | null = null,
  ) {}

  private readonly dependentCounters = new Map<string, PluginVersionCounters>();

  private countDependent(nodeId: string): PluginVersionCounters[] {
    const c = this.dependentCounters.get(nodeId) ?? zeroCounters("1.0.0");
    this.dependentCounters.set(nodeId, c);
    addCalls(c, this.runs(nodeId) === "2.0.0" ? (this.dependent ?? 0) : 0);
    return [{ ...c, latency: [...c.latency] }];
  }

  /** The installed plugins, as the repo lists them: p1, and d1 when there is a dependent. */
  listAll() {
    const p1 = { pluginId: "p1", name: "p1", version: this.plugin.version, isEnabled: 1, manifest: {} };
    const d1 = {
      pluginId: "d1",
      name: "d1",
      version: "1.0.0",
      isEnabled: 1,
      manifest: { dependencies: [{ name: "p1", version: ">=1.0.0" }] },
    };
    return this.dependent === null ? [p1] : [p1, d1];
  }

  runs(nodeId: string): string {
    if (!this.placement) return this.plugin.version;
    return this.placement.nodes.includes(nodeId) ? this.placement.toVersion : this.plugin.version;
  }

  private count(nodeId: string): PluginVersionCounters[] {
    const version = this.runs(nodeId);
    const byVersion = this.counters.get(nodeId) ?? new Map<string, PluginVersionCounters>();
    this.counters.set(nodeId, byVersion);
    const c = byVersion.get(version) ?? zeroCounters(version);
    addCalls(c, version === "2.0.0" ? this.errorRate : 0);
    byVersion.set(version, c);
    return [...byVersion.values()].map((v) => ({ ...v, latency: [...v.latency] }));
  }

  services(): JobServices {
    const tx = {
      putPlacement: async (p: Omit<RolloutPlacement, "updatedAt">) => {
        this.placement = { ...p, updatedAt: new Date().toISOString() };
        this.placements.push([...p.nodes]);
      },
      deletePlacement: async () => {
        this.placement = null;
      },
      getPlacement: async () => this.placement,
      bumpRevision: async () => ++this.revision,
      findById: async () => (this.plugin ? { ...this.plugin } : null),
      versions: async () => this.versions.map((version) => ({ version, manifest: { version } })),
      updatePlugin: async (_id: string, columns: { version?: string; checksum?: string }) => {
        this.plugin = { ...this.plugin, ...columns };
      },
      deleteVersion: async (_id: string, version: string) => {
        this.versions = this.versions.filter((v) => v !== version);
      },
      deletePlugin: async () => {},
    };
    return {
      plugins: {
        transaction: async <T>(work: (t: typeof tx) => Promise<T>) => work(tx),
        getPlacement: async () => this.placement,
        listAll: async () => this.listAll(),
      },
      jobs: {
        get: async () => ({ result: this.jobResult }),
        update: async (_id: string, patch: { result?: JobResult }) => {
          if (patch.result) this.jobResult = patch.result;
        },
      },
      events: { publish: async () => {} },
      jobEvents: { publish: async (_id: string, event: JobEvent) => void this.events.push(event) },
      convergence: {
        waitForRevision: async (o: WaitForRevisionOptions): Promise<ConvergenceNodes> => {
          const wanted = (n: string): string | null => (o.versionFor ? o.versionFor(n) : (o.version ?? null));
          this.waits.push({
            revision: o.revision,
            versions: Object.fromEntries(NODES.map((n) => [n, wanted(n)])),
          });
          const failed = NODES.filter((n) => wanted(n) === "2.0.0" && this.failLoad.has(n));
          return {
            expected: NODES.length,
            applied: NODES.filter((n) => !failed.includes(n)),
            failed: failed.map((nodeId) => ({ nodeId, error: "init threw" })),
            pending: [],
          };
        },
      },
      nodes: {
        listNodes: async () =>
          NODES.map((nodeId) => ({
            nodeId,
            host: "h",
            pid: 1,
            startedAt: "2026-01-01T00:00:00.000Z",
            appliedRevision: this.revision,
            version: "1.0.0",
            plugins: [
              {
                nodeId,
                pluginId: "p1",
                version: this.runs(nodeId),
                checksum: "",
                state: "loaded" as const,
                counters: this.count(nodeId),
              },
              ...(this.dependent === null
                ? []
                : [
                    {
                      nodeId,
                      pluginId: "d1",
                      version: "1.0.0",
                      checksum: "",
                      state: "loaded" as const,
                      counters: this.countDependent(nodeId),
                    },
                  ]),
            ],
          })),
      },
      rolloutCommands: {
        offer: async (_id: string, c: RolloutCommandRecord, seen: JobResult | null) => {
          if (this.command || JSON.stringify(seen) !== JSON.stringify(this.jobResult)) return false;
          this.command = c;
          return true;
        },
        pending: async () => this.command,
        clear: async () => {
          this.command = null;
        },
      },
      clock: { now: () => new Date() },
      logger: silentLogger,
      settings: { convergenceTimeoutMs: 1000, retainVersions: 3 },
    } as unknown as JobServices;
  }

  /** The rollout state on the job's result. */
  stored(): RolloutState {
    return this.jobResult?.rollout as RolloutState;
  }

  rollouts(): RolloutState[] {
    return this.events.flatMap((e) => (e.type === "rollout" ? [e.rollout] : []));
  }
}

function run(request: RolloutRequest): RolloutRun {
  return {
    jobId: "job-1",
    pluginId: "p1",
    op: "update",
    request,
    fromVersion: "1.0.0",
    toVersion: "2.0.0",
    checksum: "new",
    payload: {
      pluginId: "p1",
      requestedBy: "t",
      requestedRole: "admin",
      artifact: { source: "market", marketId: "m1" },
    } as RolloutRun["payload"],
    logger: silentLogger,
  };
}

const CANARY: RolloutRequest = {
  strategy: "canary",
  steps: [{ nodes: 1, hold: "50ms" }, { nodes: 2, hold: "50ms" }, { percent: 100 }],
  abortOn: { minCalls: 50 },
};

describe("driveRollout", () => {
  it("promotes a healthy canary step by step, then moves the plugin row and removes the placement", async () => {
    const cluster = new Cluster(0);
    const outcome = await driveRollout(
      cluster.services(),
      { job: { result: cluster.jobResult } as never },
      run(CANARY),
    );
    expect(outcome.rollout.status).toBe("completed");
    expect(cluster.placements.map((p) => p.length)).toEqual([1, 2, 3]);
    expect(cluster.placement).toBeNull();
    expect(cluster.plugin.version).toBe("2.0.0");
    // Each step's state went out as an event, with the nodes per version growing.
    const holding = cluster.rollouts().filter((r) => r.phase === "holding" && r.status === "running");
    expect(holding.map((r) => r.nodesByVersion["2.0.0"]?.length)).toEqual([1, 2, 3]);
    expect(cluster.stored().status).toBe("completed");
    // The last wait expects every node on the new version.
    expect(Object.values(cluster.waits.at(-1)?.versions ?? {})).toEqual(["2.0.0", "2.0.0", "2.0.0"]);
  });

  it("aborts a canary that fails 20% of its calls, rolls its node back and fails ROLLOUT_ABORTED", async () => {
    const cluster = new Cluster(0.2);
    const error = await driveRollout(
      cluster.services(),
      { job: { result: cluster.jobResult } as never },
      run(CANARY),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe("ROLLOUT_ABORTED");
    expect((error as AppError).errors.map((e) => e.path)).toContain("/rollout/verdict/errorRate");
    const state = cluster.jobResult?.rollout as RolloutState;
    expect(state.status).toBe("aborted");
    expect(state.step).toBe(0);
    expect(state.verdict?.canary.errorRate).toBeCloseTo(0.2);
    // Only the first step's node ever ran it; the placement is gone and the plugin row never moved.
    expect(cluster.placements).toEqual([[expect.any(String)]]);
    expect(cluster.placement).toBeNull();
    expect(cluster.plugin.version).toBe("1.0.0");
    expect(cluster.versions).toEqual(["1.0.0"]);
    expect(Object.values(cluster.waits.at(-1)?.versions ?? {})).toEqual(["1.0.0", "1.0.0", "1.0.0"]);
  });

  it("checks dependents on the canary nodes first: a dependent failing there aborts a healthy version", async () => {
    const cluster = new Cluster(0, 0.3);
    const error = await driveRollout(
      cluster.services(),
      { job: { result: cluster.jobResult } as never },
      run(CANARY),
    ).catch((e: unknown) => e);
    expect((error as AppError).code).toBe("ROLLOUT_ABORTED");
    const state = cluster.jobResult?.rollout as RolloutState;
    expect(state.step).toBe(0);
    expect(state.verdict?.canary.errorRate).toBe(0);
    expect(state.verdict?.findings.map((f) => f.message)).toContainEqual(
      expect.stringMatching(/^dependent d1: /),
    );
    expect(cluster.plugin.version).toBe("1.0.0");
    // A healthy dependent does not stop a healthy version.
    const healthy = new Cluster(0, 0);
    const outcome = await driveRollout(
      healthy.services(),
      { job: { result: healthy.jobResult } as never },
      run(CANARY),
    );
    expect(outcome.rollout.status).toBe("completed");
  });

  it("aborts at once when a canary node cannot load the new version", async () => {
    const cluster = new Cluster(0);
    const request: RolloutRequest = { ...CANARY, steps: [{ nodes: 1, hold: "1h" }] };
    cluster.failLoad = new Set(NODES);
    const error = await driveRollout(
      cluster.services(),
      { job: { result: cluster.jobResult } as never },
      run(request),
    ).catch((e: unknown) => e);
    expect((error as AppError).code).toBe("ROLLOUT_ABORTED");
    const state = cluster.jobResult?.rollout as RolloutState;
    expect(state.verdict?.findings.map((f) => f.check)).toContain("loadFailures");
  });

  it("pauses past the hold, resumes, and a promote puts every node on the new version", async () => {
    const cluster = new Cluster(0);
    const svc = cluster.services();
    const request: RolloutRequest = {
      ...CANARY,
      steps: [
        { nodes: 1, hold: "200ms" },
        { nodes: 2, hold: "1h" },
      ],
    };
    const driving = driveRollout(svc, { job: { result: cluster.jobResult } as never }, run(request));
    const send = async (command: RolloutCommandRecord["command"]) => {
      const seen = cluster.jobResult;
      const record = { command, by: "ops", at: new Date().toISOString() };
      expect(await svc.rolloutCommands?.offer("job-1", record, seen)).toBe(true);
      // A second command while the first waits for the worker is refused.
      expect(await svc.rolloutCommands?.offer("job-1", record, seen)).toBe(false);
      while (cluster.command) await new Promise((r) => setTimeout(r, 20));
    };
    while (!cluster.rollouts().some((r) => r.phase === "holding"))
      await new Promise((r) => setTimeout(r, 10));
    await send("pause");
    // Well past the 200 ms hold, still on step 0.
    await new Promise((r) => setTimeout(r, 600));
    expect(cluster.stored().status).toBe("paused");
    expect(cluster.stored().step).toBe(0);
    await send("resume");
    while (cluster.stored().step < 1) await new Promise((r) => setTimeout(r, 20));
    await send("promote");
    const outcome = await driving;
    expect(outcome.rollout.status).toBe("promoted");
    expect(outcome.rollout.by).toBe("ops");
    expect(cluster.plugin.version).toBe("2.0.0");
    expect(cluster.placement).toBeNull();
  });

  it("resumes a stored rollout by applying its current step again", async () => {
    const cluster = new Cluster(0);
    const first = await driveRollout(
      cluster.services(),
      { job: { result: cluster.jobResult } as never },
      run({ ...CANARY, steps: [{ nodes: 1, hold: "50ms" }] }),
    );
    // As if the worker had died holding step 1: the placement and the state are stored.
    const stored: RolloutState = {
      ...first.rollout,
      status: "running",
      step: 1,
      phase: "holding",
      holdUntil: null,
    };
    const again = new Cluster(0);
    again.jobResult = { ...again.jobResult, rollout: stored };
    const outcome = await driveRollout(
      again.services(),
      { job: { result: again.jobResult } as never },
      run(CANARY),
    );
    expect(outcome.rollout.status).toBe("completed");
    expect(again.placements.map((p) => p.length)).toEqual([3]);
  });

  it("a job that fails for good mid-rollout takes its placement (and the unfinished version) away", async () => {
    const cluster = new Cluster(0);
    const placement = {
      pluginId: "p1",
      jobId: "job-1",
      fromVersion: "1.0.0",
      toVersion: "2.0.0",
      nodes: ["node-a"],
      alongside: null,
      hold: false,
      updatedAt: new Date().toISOString(),
    };
    cluster.placement = { ...placement, jobId: "another-job" };
    await dropFailedPlacement(cluster.services(), { jobId: "job-1", pluginId: "p1" });
    expect(cluster.placement?.jobId).toBe("another-job");
    cluster.placement = placement;
    const revision = cluster.revision;
    await dropFailedPlacement(cluster.services(), { jobId: "job-1", pluginId: "p1" });
    expect(cluster.placement).toBeNull();
    expect(cluster.revision).toBe(revision + 1);
    expect(cluster.versions).toEqual(["1.0.0"]);
    expect(cluster.plugin.version).toBe("1.0.0");
  });
});
