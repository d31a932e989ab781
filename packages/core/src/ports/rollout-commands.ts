import type { JobResult, RolloutCommand } from "@arcade/contracts";

/** An operator's command to a running rollout, as `POST /jobs/:jobId/pause|resume|abort|promote` stored it. */
export interface RolloutCommandRecord {
  command: RolloutCommand;
  /** Who sent it (token name). */
  by: string;
  reason?: string;
  /** ISO time the API accepted it. */
  at: string;
}

/**
 * Where the API leaves an operator's command for the worker that drives the rollout: one
 * pending command per job (the job row's rollout_command column). `offer` is a compare-and-set
 * on the job row: the command is stored only while no other command is pending AND the job's
 * result (where the rollout state lives) is still the one the API checked the command against.
 * So two commands sent at once cannot both win (the second finds the first pending, or the
 * state it checked changed by the first), and a command is never stored against a state it was
 * not checked with. The worker reads the pending command every few hundred milliseconds, acts on
 * it (or refuses it, when the rollout moved on by itself meanwhile) and clears it.
 */
export interface RolloutCommandStore {
  /**
   * Stores the command when none is pending and the job's result is still `seen` (compared as
   * stored); false otherwise (or when the job has no row).
   */
  offer(jobId: string, command: RolloutCommandRecord, seen: JobResult | null): Promise<boolean>;
  /** The pending command of the job, or null. */
  pending(jobId: string): Promise<RolloutCommandRecord | null>;
  /** Clears the pending command (acted on or refused); nothing pending is fine. */
  clear(jobId: string): Promise<void>;
}
