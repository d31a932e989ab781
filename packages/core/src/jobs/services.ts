import type { AbortOn, RolloutStrategy } from "@arcade/contracts";
import type { ArchiveLimits } from "../limits/archive-limits.js";
import type { ArchiveTools } from "../ports/archive-tools.js";
import type { ConvergenceWaiter } from "../ports/convergence.js";
import type { Clock, EventBus } from "../ports/event-bus.js";
import type { JobEventSink } from "../ports/job-events.js";
import type { JobFiles } from "../ports/job-files.js";
import type { Logger } from "../ports/logger.js";
import type { NodeDirectory } from "../ports/node-presence.js";
import type { ObjectStore } from "../ports/object-store.js";
import type { JobRepo, PluginRepo } from "../ports/plugin-repo.js";
import type { RolloutCommandStore } from "../ports/rollout-commands.js";
import type { SignaturePolicy } from "../signature/index.js";
import type { ArtifactFetcher } from "./artifact-fetcher.js";

export interface JobSettings {
  /** Versions kept per plugin for rollback (the current one included). */
  retainVersions: number;
  archiveLimits: ArchiveLimits;
  maxPluginSize: number;
  /** How long activate waits for the live nodes to apply the change. */
  convergenceTimeoutMs: number;
  /** What a manifest's `minVersion` is checked against (default 1.0.0). */
  platformVersion?: string;
  /** Roots under which manifests may ask for host paths (`runtime.allowed_host_paths`); default none. */
  allowedHostPaths?: readonly string[];
  /** `rollout.*`: the strategy of an install/update that names none, and the analysis' thresholds. */
  rollout?: { defaultStrategy: RolloutStrategy; abortOn: AbortOn };
}

/** Everything a job needs, as one plain object of ports (no container). */
export interface JobServices {
  plugins: PluginRepo;
  jobs: JobRepo;
  store: ObjectStore;
  /** Reads, checks and builds plugin archives on disk (@arcade/archive's `archiveTools`). */
  archives: ArchiveTools;
  /** The job's scratch files on the local disk (the worker's data folder). */
  files: JobFiles;
  events: EventBus;
  /** Live job events (steps, state, node reports, the end); absent: none are pushed. */
  jobEvents?: JobEventSink;
  convergence: ConvergenceWaiter | null;
  /** The live nodes and their heartbeats (a rollout's steps and figures); absent: no rollout runs in steps. */
  nodes?: NodeDirectory;
  /** Operators' commands to running rollouts (the job row's rollout_command); absent: none arrive. */
  rolloutCommands?: RolloutCommandStore;
  /** Resolves `source=market` artifacts; null while the market is disabled. */
  market: ArtifactFetcher | null;
  /** Who is trusted to sign artifacts; absent: nobody (unsigned local uploads only). */
  signatures?: SignaturePolicy;
  clock: Clock;
  logger: Logger;
  settings: JobSettings;
}
