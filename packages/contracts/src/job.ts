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

export type StepName = "fetch" | "verify" | "inspect" | "store" | "persist" | "activate" | "cleanup";

export interface JobStep {
  name: StepName;
  state: "pending" | "running" | "succeeded" | "failed" | "skipped";
  startedAt?: string;
  finishedAt?: string;
}

export interface JobError {
  code: ErrorCode;
  message: string;
  errors?: FieldError[];
}

export interface JobResult {
  version?: string;
  checksum?: string;
  nodes?: { expected: number; applied: number; failed: { nodeId: string; error: string }[] };
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
