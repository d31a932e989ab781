import { randomUUID } from "node:crypto";
import type { RolloutState, RolloutStatus } from "@arcade/contracts";
import { expandRollout, startRollout } from "@arcade/core";
import type { TestApp } from "./test-app.js";

/**
 * A running update job whose canary rollout holds its first step, as a worker would have stored
 * it (the test app has no worker): `paused` for a rollout an operator paused. Returns its id.
 */
export async function rolloutJob(
  t: TestApp,
  status: Extract<RolloutStatus, "running" | "paused"> = "running",
) {
  const jobId = randomUUID();
  const steps = expandRollout({ strategy: "canary" }, ["a", "b", "c"], { seed: "p" });
  const rollout: RolloutState = {
    ...startRollout({ strategy: "canary", batches: steps, fromVersion: "1.0.0", toVersion: "2.0.0" }),
    status,
    phase: "holding",
    holdUntil: new Date(Date.now() + 60_000).toISOString(),
  };
  const now = new Date();
  await t.db.jobs.create({
    jobId,
    type: "update",
    pluginId: `p-${jobId}`,
    lockKey: `plugin:p-${jobId}`,
    idempotencyKey: null,
    state: "running",
    step: "activate",
    progress: 70,
    steps: [],
    attempts: 1,
    payload: {},
    error: null,
    result: { version: "2.0.0", rollout },
    requestedBy: "admin",
    createdAt: now,
    updatedAt: now,
    finishedAt: null,
  });
  return jobId;
}
