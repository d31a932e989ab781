import type { RolloutState } from "@arcade/contracts";
import { advanceRollout } from "../rollout/rollout-machine.js";
import type { RolloutRun } from "./rollout-run.js";
import { saveRolloutState } from "./rollout-run.js";
import type { JobServices } from "./services.js";

/**
 * Acts on the operator's pending command, if any (RolloutCommandStore): the state machine
 * decides, the new state is stored and published, and the command is cleared. A command that no
 * longer applies (the rollout moved on since the API accepted it) is cleared and logged. Returns
 * the state after the command (the same one when none was pending or it did not apply).
 */
export async function takeCommand(
  svc: JobServices,
  run: RolloutRun,
  state: RolloutState,
): Promise<RolloutState> {
  const store = svc.rolloutCommands;
  if (!store) return state;
  const pending = await store.pending(run.jobId);
  if (!pending) return state;
  const next = advanceRollout(state, {
    type: "command",
    command: pending.command,
    by: pending.by,
    ...(pending.reason !== undefined ? { reason: pending.reason } : {}),
    at: svc.clock.now(),
  });
  if (next.ok) {
    await saveRolloutState(svc, run.jobId, next.state);
    run.logger.info(
      { command: pending.command, by: pending.by, status: next.state.status },
      "rollout: operator command applied",
    );
  } else {
    run.logger.warn(
      { command: pending.command, by: pending.by, reason: next.message },
      "rollout: command refused",
    );
  }
  await store.clear(run.jobId);
  return next.ok ? next.state : state;
}
