import type { RolloutCommand } from "@arcade/contracts";

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
 * (stored only while no other command is pending), so two commands sent at once cannot both
 * win: the second is refused (409) and may be sent again once the worker has acted on the first.
 * The worker reads the pending command every few hundred milliseconds, acts on it (or refuses
 * it, when the rollout moved on meanwhile) and clears it.
 */
export interface RolloutCommandStore {
  /** Stores the command when none is pending; false when one is (or the job has no row). */
  offer(jobId: string, command: RolloutCommandRecord): Promise<boolean>;
  /** The pending command of the job, or null. */
  pending(jobId: string): Promise<RolloutCommandRecord | null>;
  /** Clears the pending command (acted on or refused); nothing pending is fine. */
  clear(jobId: string): Promise<void>;
}
