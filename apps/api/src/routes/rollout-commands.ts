import type { JobResource, RolloutCommand, RolloutState } from "@arcade/contracts";
import {
  AppError,
  advanceRollout,
  type JobRepo,
  jobResource,
  type RolloutCommandStore,
  storedRollout,
} from "@arcade/core";

/** How long the answer waits for the worker to act on the command (it looks every ~300 ms). */
const ACT_WAIT_MS = 3000;
const POLL_MS = 100;

/**
 * `POST /jobs/{jobId}/pause|resume|abort|promote`: checks the command against the job's rollout
 * as stored (the state machine decides: 409 ROLLOUT_CONFLICT when it does not apply), leaves it
 * for the worker with a compare-and-set on the job row (RolloutCommandStore.offer: of two
 * commands at once, one wins, the other is 409), then waits a little for the worker to act and
 * answers the job as it is then.
 */
export async function sendRolloutCommand(
  deps: { jobs: JobRepo; rolloutCommands?: RolloutCommandStore | undefined; now: () => Date },
  input: { jobId: string; command: RolloutCommand; by: string; reason?: string | undefined },
): Promise<JobResource> {
  const { jobId, command, by, reason } = input;
  const job = await deps.jobs.get(jobId);
  if (!job) throw new AppError("JOB_NOT_FOUND", `no job with id ${jobId.slice(0, 100)}`);
  const state = storedRollout(job.result);
  if (!state) throw conflict(`job ${jobId} has no rollout to ${command}`);
  if (job.state === "succeeded" || job.state === "failed") {
    throw conflict(`job ${jobId} has ended (${job.state}); its rollout is ${state.status}`, state.status);
  }
  const at = deps.now();
  const check = advanceRollout(state, {
    type: "command",
    command,
    by,
    ...(reason !== undefined ? { reason } : {}),
    at,
  });
  if (!check.ok)
    throw conflict(`cannot ${command} the rollout of job ${jobId}: ${check.message}`, state.status);
  if (!deps.rolloutCommands) throw conflict("this API has no store for rollout commands");
  const record = { command, by, ...(reason !== undefined ? { reason } : {}), at: at.toISOString() };
  // Compare-and-set on the job row: stored only if no command is pending and the rollout state
  // is still the one checked above (another command, or the worker, may have moved it since).
  if (!(await deps.rolloutCommands.offer(jobId, record, job.result))) {
    const pending = await deps.rolloutCommands.pending(jobId);
    throw conflict(
      pending
        ? `another command (${pending.command} by ${pending.by}) is waiting for the worker of job ${jobId}; send yours once it acted`
        : `the rollout of job ${jobId} changed while the command was checked; look at it again and resend`,
      state.status,
    );
  }
  const deadline = Date.now() + ACT_WAIT_MS;
  while (Date.now() < deadline && (await deps.rolloutCommands.pending(jobId)) !== null) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  const after = await deps.jobs.get(jobId);
  if (!after) throw new AppError("JOB_NOT_FOUND", `no job with id ${jobId.slice(0, 100)}`);
  const now = storedRollout(after.result);
  // Acted on, but the worker found the rollout moved on by itself (e.g. it just completed).
  if (now && (await deps.rolloutCommands.pending(jobId)) === null && !reflects(command, now)) {
    throw conflict(
      `the rollout of job ${jobId} moved on before the worker acted on ${command}: it is ${now.status}`,
      now.status,
    );
  }
  return jobResource(after);
}

/** Whether a state is what the command leads to (the worker applied it, not refused it). */
function reflects(command: RolloutCommand, state: RolloutState): boolean {
  switch (command) {
    case "pause":
      return state.status === "paused";
    case "resume":
      return state.status !== "paused";
    case "abort":
      return state.status === "aborted";
    case "promote":
      return state.status === "promoted" || state.status === "completed";
  }
}

function conflict(message: string, status?: string): AppError {
  return new AppError("ROLLOUT_CONFLICT", message, {
    detail:
      "GET the job to see its rollout state (result.rollout); a command applies to a running or paused rollout only.",
    ...(status ? { extras: { rolloutStatus: status } } : {}),
  });
}
