import type { ErrorCode, FieldError } from "./error-codes.js";

export const JOB_TYPES = [
  "install",
  "update",
  "uninstall",
  "enable",
  "disable",
  "configure",
  "rollback",
] as const;
export type JobType = (typeof JOB_TYPES)[number];

export const JOB_STATES = ["queued", "running", "succeeded", "failed"] as const;
export type JobState = (typeof JOB_STATES)[number];

/** Every step a job may have, in the order they run. */
export const STEP_NAMES = ["fetch", "verify", "inspect", "store", "persist", "activate", "cleanup"] as const;
export type StepName = (typeof STEP_NAMES)[number];

export interface JobStep {
  name: StepName;
  state: "pending" | "running" | "succeeded" | "failed" | "skipped";
  startedAt?: string;
  finishedAt?: string;
}

export interface JobError {
  code: ErrorCode;
  message: string;
  /** What to do next, when the error says (as in a problem body). */
  detail?: string;
  errors?: FieldError[];
  /**
   * The error's other problem members, e.g. `pluginId` of the plugin that already has the name
   * (PLUGIN_EXISTS), `dependents` (DEPENDENTS_EXIST), `keyId` (KEY_UNTRUSTED).
   */
  [member: string]: unknown;
}

export interface JobResult {
  version?: string;
  checksum?: string;
  /** false when the job found nothing to change (e.g. an update to the installed version and bytes). */
  changed?: boolean;
  /** Key id of the signature that was checked, when the artifact was signed. */
  signedBy?: string;
  /** Plugins disabled or uninstalled first by a cascading disable/uninstall, in that order. */
  cascaded?: string[];
  /**
   * What the live nodes did with the change (honest convergence): which applied it, which
   * failed (with their errors), which did not answer within node.convergence_timeout, and
   * `degraded` when only some applied. Absent when the worker does not wait for the nodes.
   */
  nodes?: ConvergenceNodes;
  [key: string]: unknown;
}

/** The job resource (architecture §4). */
export interface JobResource {
  jobId: string;
  type: JobType;
  pluginId: string | null;
  state: JobState;
  step: StepName | null;
  progress: number;
  steps: JobStep[];
  attempts: number;
  error: JobError | null;
  result: JobResult | null;
  createdAt: string;
  finishedAt: string | null;
  requestedBy: string;
}

/**
 * Honest convergence (architecture §8): the job result's `nodes`. `applied` run the new
 * version, `failed` tried and could not, `pending` did not answer within
 * node.convergence_timeout. `degraded` only when some but not all applied.
 */
export interface ConvergenceNodes {
  expected: number;
  applied: string[];
  failed: { nodeId: string; error: string }[];
  pending: string[];
  degraded?: true;
}
