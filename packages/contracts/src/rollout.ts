import { type Static, Type } from "@sinclair/typebox";
import type { FieldError } from "./error-codes.js";
import type { ConvergenceNodes, JobError, JobType } from "./job.js";

/**
 * Progressive delivery of plugin versions (issue 14, docs/rollouts.md): the request a client
 * sends with an update (or an install into a running cluster), the rollout state the job
 * resource and its live events carry, the honest convergence result, and the dry-run plan.
 * Not wired yet: the domain rules live in core (rollout/, plans/).
 */

/**
 * A duration as the config spells it (architecture §8): a plain number is seconds; a string
 * says its unit, `"500ms"`, `"60s"`, `"5m"`, `"1h"`, `"7d"`. Core's parseDurationMs reads it.
 */
export const DURATION_PATTERN = "^\\s*\\d+(?:\\.\\d+)?\\s*(?:ms|s|m|h|d)?\\s*$";
export const DurationSchema = Type.Union([
  Type.Number({ minimum: 0 }),
  Type.String({ pattern: DURATION_PATTERN, maxLength: 32 }),
]);
export type Duration = Static<typeof DurationSchema>;

export const ROLLOUT_STRATEGIES = ["all-at-once", "canary", "two-phase"] as const;
export type RolloutStrategy = (typeof ROLLOUT_STRATEGIES)[number];

const Hold = Type.Optional(DurationSchema);

/**
 * One canary step: how many live nodes run the new version once the step is applied (a count,
 * or a percentage rounded up, at least one node), and how long to watch them before the
 * analysis decides. Counts are cumulative: `{ "percent": 50 }` after `{ "nodes": 1 }` means half
 * of the nodes in all, not half more.
 */
export const CanaryStepSchema = Type.Union([
  Type.Object(
    { nodes: Type.Integer({ minimum: 1, maximum: 10_000 }), hold: Hold },
    { additionalProperties: false },
  ),
  Type.Object(
    { percent: Type.Number({ exclusiveMinimum: 0, maximum: 100 }), hold: Hold },
    { additionalProperties: false },
  ),
]);
export type CanaryStep = Static<typeof CanaryStepSchema>;

/**
 * When a step's analysis aborts the rollout (each optional; core's DEFAULT_ABORT_ON fills the
 * rest). Any load failure of the new version on a canary node always aborts.
 */
export const AbortOnSchema = Type.Object(
  {
    /**
     * How much higher the new version's action error rate (errors / calls, 0..1) may be than the
     * old version's on the other nodes (the old one's counts as 0 when it has too few calls).
     */
    errorRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    /** The most crashes or restarts of the new version's processes, summed over the canary nodes. */
    crashes: Type.Optional(Type.Integer({ minimum: 0 })),
    /** The highest acceptable ratio of the new version's p99 latency to the old version's. */
    p99Ratio: Type.Optional(Type.Number({ minimum: 1 })),
    /**
     * The fewest calls (per version compared) under which error rate and latency give no verdict:
     * a step with fewer calls on the canary nodes is inconclusive, never "healthy".
     */
    minCalls: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);
export type AbortOn = Static<typeof AbortOnSchema>;

/** A/B: the share of calls (percent) each new version serves on every node; the rest stays on the current one. */
export const SplitSchema = Type.Record(
  Type.String({ minLength: 1, maxLength: 64 }),
  Type.Number({ minimum: 0, maximum: 100 }),
  {
    minProperties: 1,
    maxProperties: 8,
  },
);
export type Split = Static<typeof SplitSchema>;

/** An HTTP header name (RFC 9110 token). */
const HEADER_NAME = "^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$";

/** The `rollout` member of an update (or install) request, or a plugin's default rollout. */
export const RolloutRequestSchema = Type.Object(
  {
    strategy: Type.Union(ROLLOUT_STRATEGIES.map((s) => Type.Literal(s))),
    /** canary only. A last step short of every node is followed by an implicit `{ "percent": 100 }`. */
    steps: Type.Optional(Type.Array(CanaryStepSchema, { minItems: 1, maxItems: 20 })),
    abortOn: Type.Optional(AbortOnSchema),
    /** A/B by traffic (with all-at-once: every node loads both versions). */
    split: Type.Optional(SplitSchema),
    /**
     * With `split`: the action-call header whose value keeps a caller on one version (sticky).
     * A call without it is assigned at random, per call.
     */
    callerKeyHeader: Type.Optional(Type.String({ pattern: HEADER_NAME })),
  },
  { additionalProperties: false },
);
export type RolloutRequest = Static<typeof RolloutRequestSchema>;

/**
 * A plugin's own default rollout, in its manifest (`"rollout": { "strategy": "two-phase" }`):
 * what an update to this version uses when the request names none. No split: a split names the
 * versions it shares calls between, which only the request knows.
 */
export const RolloutDefaultSchema = Type.Object(
  {
    strategy: RolloutRequestSchema.properties.strategy,
    steps: RolloutRequestSchema.properties.steps,
    abortOn: RolloutRequestSchema.properties.abortOn,
  },
  { additionalProperties: false },
);
export type RolloutDefault = Static<typeof RolloutDefaultSchema>;

/**
 * One step of a rollout, as the worker drives it:
 * - `switch`: the step's nodes load and serve the new version (canary, all-at-once);
 * - `prepare`: every node loads the new version next to the old one, health-checks it, and keeps
 *   serving the old one (two-phase, first step);
 * - `split`: every node serves both versions in the requested shares (A/B).
 * A two-phase rollout's second step is a `switch` of every node at once.
 */
export interface RolloutBatch {
  step: number;
  kind: "switch" | "prepare" | "split";
  /** Watch this long after the step is applied before the analysis decides. */
  holdMs: number;
  /** Every node the step covers (cumulative), in rollout order. */
  nodes: string[];
  /** The nodes this step adds to the previous one (empty when a step adds none). */
  added: string[];
}

/** What one node measured for one plugin version over the analysis window (its per-plugin metrics). */
export interface NodeFigures {
  nodeId: string;
  version: string;
  /** Attempts to load the version that failed (init threw, timed out, the process would not start). */
  loadFailures: number;
  /** Crashes or restarts of the plugin's process. */
  crashes: number;
  /** Action calls that ended (ok or not). */
  calls: number;
  /** Calls that ended in an error (ACTION_FAILED, ACTION_TIMEOUT, a crash mid-call). */
  errors: number;
  /** The node's p99 action latency in ms; null with no calls. */
  p99Ms: number | null;
  /**
   * Calls per LATENCY_BUCKETS_MS bucket over the window (core's figuresOf fills it): with it,
   * sumFigures merges the nodes' buckets for the p99 instead of averaging their p99s.
   */
  latency?: number[];
}

/** NodeFigures summed over the nodes running one version. */
export interface VersionFigures {
  version: string;
  nodes: string[];
  loadFailures: number;
  crashes: number;
  calls: number;
  errors: number;
  /** errors / calls; null with no calls. */
  errorRate: number | null;
  /**
   * The p99 of the nodes' merged latency buckets; when a node sent no buckets, the call-weighted
   * mean of the nodes' p99s (an approximation: p99s do not add). null with no calls.
   */
  p99Ms: number | null;
}

export const ANALYSIS_CHECKS = ["loadFailures", "crashes", "errorRate", "p99Ratio", "sample"] as const;
export type AnalysisCheck = (typeof ANALYSIS_CHECKS)[number];

/** One finding of a step's analysis: which check, what was measured, against which limit. */
export interface AnalysisFinding {
  check: AnalysisCheck;
  /** null for a check that could not run (no baseline to compare with). */
  observed: number | null;
  limit: number;
  message: string;
}

/**
 * continue: the step is healthy; abort: roll the canary nodes back (ROLLOUT_ABORTED);
 * inconclusive: too few calls to judge (the rollout holds longer, then pauses for an operator).
 */
export type AnalysisDecision = "continue" | "abort" | "inconclusive";

export interface AnalysisVerdict {
  decision: AnalysisDecision;
  /** The breaches (abort), the missing sample (inconclusive); checks that could not run (continue). */
  findings: AnalysisFinding[];
  canary: VersionFigures;
  /** The old version on the other nodes; null when no node runs it (last step, two-phase). */
  baseline: VersionFigures | null;
}

export const ROLLOUT_STATUSES = ["running", "paused", "completed", "promoted", "aborted"] as const;
/** running -> paused <-> running; running|paused -> completed | promoted | aborted (ends). */
export type RolloutStatus = (typeof ROLLOUT_STATUSES)[number];

/** Within a running step: the nodes load the version, then the hold, then the analysis. */
export type RolloutStepPhase = "applying" | "holding" | "analysing";

/** The rollout as the job resource (`result.rollout`) and its live `rollout` events show it. */
export interface RolloutState {
  strategy: RolloutStrategy;
  status: RolloutStatus;
  /** Index into `steps` of the current (or last) step; a strategy without steps has one step. */
  step: number;
  phase: RolloutStepPhase;
  /** The steps as expanded for the live nodes (core's expandRollout). */
  steps: RolloutBatch[];
  /** The old and the new version, and (A/B) the shares. */
  fromVersion: string | null;
  toVersion: string;
  split?: Split;
  /** Node ids per version, as the nodes last reported. */
  nodesByVersion: Record<string, string[]>;
  /** The last analysis, with the figures it judged. */
  verdict: AnalysisVerdict | null;
  /** ISO time the hold of the current step ends, while holding. */
  holdUntil: string | null;
  /** Extra holds the current step took because its analysis was inconclusive (too few calls). */
  extraHolds: number;
  /** Why it is paused, aborted or promoted (an operator's reason, or the analysis' findings). */
  reason: string | null;
  /** Who paused, aborted or promoted it (token name), or "analysis". */
  by: string | null;
  /**
   * A/B split: each version's figures on every node since the split was applied, side by side
   * (the installed version first), refreshed every few seconds while the split holds.
   */
  figures?: { at: string; versions: VersionFigures[] };
}

/** What an operator may do to a rollout: `POST /jobs/:jobId/pause|resume|abort|promote`. */
export const ROLLOUT_COMMANDS = ["pause", "resume", "abort", "promote"] as const;
export type RolloutCommand = (typeof ROLLOUT_COMMANDS)[number];

/**
 * How a change ends once its nodes answered (or the timeout passed). On failure, `recovery`
 * says what the job does: a first install is rolled back (not left enabled-but-broken), an
 * update keeps the old version serving.
 */
export type ConvergenceOutcome =
  | { state: "succeeded"; nodes: ConvergenceNodes }
  | {
      state: "failed";
      nodes: ConvergenceNodes;
      error: JobError;
      recovery: "roll-back-install" | "keep-previous-version" | "none";
    };

/** Which nodes load which version, step by step, in a plan. */
export interface PlannedStep {
  step: number;
  kind: RolloutBatch["kind"];
  holdMs: number;
  /**
   * Every live node and the share of calls (percent) each version serves there once this step
   * is applied: `{ "2.0.0": 100 }`, `{ "1.0.0": 90, "2.0.0": 10 }` (split), `{}` (nothing: not
   * installed yet, or unloaded). A two-phase `prepare` step loads `loads` without serving it.
   */
  nodes: { nodeId: string; serves: Record<string, number>; loads?: string }[];
}

/** A dependency the new version needs that the installed plugins do not meet. */
export interface PlannedUnmetDependency {
  name: string;
  version: string;
  installed: string | null;
  reason: "not-installed" | "not-enabled" | "version";
}

/** A plugin the change reaches through its dependencies. */
export interface PlannedDependent {
  pluginId: string;
  name: string;
  version: string;
  requires: string;
}

/**
 * What `?dryRun=true` answers (200) for a mutation: what would happen, changing nothing.
 * `blocked` lists what would make the real job fail (its code and message): an empty list
 * means the job would go ahead.
 */
export interface ChangePlan {
  type: JobType;
  pluginId: string | null;
  name: string;
  fromVersion: string | null;
  toVersion: string | null;
  /**
   * Present (false) when the job would change nothing: the same version and bytes are already
   * installed (update, rollback), or the plugin is already enabled or disabled with nothing to
   * cascade; the job then succeeds with `changed: false` in its result.
   */
  changed?: false;
  dependencies: {
    /** Plugins a cascading disable/uninstall would handle first, in order. */
    cascade: PlannedDependent[];
    /** Enabled dependents whose range the new version leaves. */
    broken: PlannedDependent[];
    /** Dependencies of the new version that are not met. */
    unmet: PlannedUnmetDependency[];
  };
  permissions: {
    /** The grants of the new version, one line each (`network.hosts a.b:443`). */
    next: string[];
    /** Grants the current version does not cover: what approving the change adds. */
    added: string[];
    /** Grants of the current version the new one no longer asks for. */
    removed: string[];
    /** True when `added` is not empty on an update (PERMISSIONS_ESCALATED without acceptPermissions). */
    escalated: boolean;
  } | null;
  platform: { minVersion: string | null; platformVersion: string; compatible: boolean } | null;
  config: {
    /** Top-level keys of the current config that the new configSchema would refuse. */
    invalidKeys: string[];
    errors: FieldError[];
  } | null;
  rollout: { strategy: RolloutStrategy; steps: PlannedStep[] } | null;
  blocked: { code: JobError["code"]; message: string; errors?: FieldError[] }[];
}

// ---------------------------------------------------------------------------------------------
// What nodes read and report during a rollout (issue 14 wiring). Written by the worker into
// t_plugin_rollout, read by every node with its desired state; a node never trusts an event
// for it (events are hints), it reads this from the database.
// ---------------------------------------------------------------------------------------------

/**
 * Where the versions of one plugin run while its rollout is in progress (one row per plugin
 * with a rollout; no row: every node runs the plugin's current version, as before).
 * The plugin row keeps `fromVersion` as its version until the rollout completes or is promoted;
 * only then does it move to `toVersion` and the placement row go away.
 */
export interface RolloutPlacement {
  pluginId: string;
  jobId: string;
  /** The version the plugin row still names; null on an install into a running cluster. */
  fromVersion: string | null;
  toVersion: string;
  /** canary: the node ids that run `toVersion` instead of `fromVersion` (the rest keep it). */
  nodes: string[];
  /**
   * Every node loads `toVersion` next to the version it serves:
   * - A/B (`split`): `share` percent of calls go to it (sticky per caller key when the call has one);
   * - two-phase prepare: `share` 0, loaded and health-checked, not serving.
   */
  alongside: { share: number; salt: string; callerKeyHeader: string | null } | null;
  /**
   * two-phase freeze: every node holds (queues, does not fail) new calls of the plugin until the
   * switch; a node frees them by itself after node.convergence_timeout and serves the old version.
   */
  hold: boolean;
  updatedAt: string;
}

/** Upper bounds (ms) of the latency buckets the nodes count action calls in; one more bucket holds the rest. */
export const LATENCY_BUCKETS_MS = [
  1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000,
] as const;

/**
 * What one node counted for one version of a plugin since the node first loaded that version
 * (cumulative, never reset while the node runs; the rollout takes the difference between two
 * readings). Reported with every heartbeat in NodePluginState.counters.
 */
export interface PluginVersionCounters {
  version: string;
  /** Attempts to load the version that failed (init threw or timed out, the process would not start). */
  loadFailures: number;
  /** Crashes or restarts of the version's process. */
  crashes: number;
  /** Action calls that ended, ok or not. */
  calls: number;
  /** Calls that ended in an error (ACTION_FAILED, ACTION_TIMEOUT, a crash mid-call). */
  errors: number;
  /** Calls per LATENCY_BUCKETS_MS bucket; the last entry counts calls above the last bound. */
  latency: number[];
}

/** A version a node stopped running because it kept crashing after a change (crash-loop quarantine). */
export interface QuarantineReport {
  version: string;
  checksum: string;
  /** The version the node went back to: the last one that ran cleanly there; null when none did (stopped). */
  fallbackVersion: string | null;
  /** ISO times of the crashes that triggered it. */
  crashes: string[];
  at: string;
}
