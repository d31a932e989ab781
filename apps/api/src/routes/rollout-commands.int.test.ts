import { randomUUID } from "node:crypto";
import type { JobResource, RolloutState } from "@arcade/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { multipartBody, pluginZip } from "../testing/fixtures.js";
import { call, expectJson, expectProblem } from "../testing/http-helpers.js";
import { rolloutJob } from "../testing/rollout-job.js";
import { createTestApp, describeWithRedis, type TestApp } from "../testing/test-app.js";

// The rollout over HTTP without a worker: the `rollout` field of an upload as the job payload
// carries it (or a 400 naming the field under /rollout), and the control routes' answers.

describeWithRedis("rollout request and commands", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  async function install(rollout: string) {
    const { body, contentType } = multipartBody([
      { name: "source", value: "local" },
      { name: "rollout", value: rollout },
      {
        name: "file",
        value: await pluginZip({ name: `rollout-${randomUUID().slice(0, 8)}` }),
        filename: "p.zip",
      },
    ]);
    return call(t.app, "/api/v1/plugins/install", {
      method: "POST",
      body,
      headers: { "content-type": contentType },
    });
  }

  describe("the rollout field", () => {
    it("goes into the job payload as JSON", async () => {
      const rollout = { strategy: "canary", steps: [{ nodes: 1, hold: "60s" }, { percent: 100 }] };
      const job = await expectJson<JobResource>(await install(JSON.stringify(rollout)), 202);
      expect((await t.db.jobs.get(job.jobId))?.payload.rollout).toEqual(rollout);
    });

    it("not JSON: 400 MALFORMED_JSON", async () => {
      await expectProblem(await install("{canary"), 400, "MALFORMED_JSON");
    });

    it("off the schema or the rules: 400 VALIDATION_FAILED with pointers under /rollout", async () => {
      const staged = (await t.stagingLeftovers()).length;
      const shape = await expectProblem(await install('{"strategy":"sometimes"}'), 400, "VALIDATION_FAILED");
      expect(shape.errors?.map((e) => e.path)).toContain("/rollout/strategy");
      const rules = await expectProblem(
        await install('{"strategy":"two-phase","steps":[{"nodes":1}]}'),
        400,
        "VALIDATION_FAILED",
      );
      expect(rules.errors).toEqual([
        { path: "/rollout/steps", message: "steps apply to the canary strategy only, not two-phase" },
      ]);
      expect(rules.title ?? rules.detail).toBeTruthy();
      // Nothing stays staged for a refused request.
      expect(await t.stagingLeftovers()).toHaveLength(staged);
    });
  });

  describe("POST /jobs/{jobId}/pause|resume|abort|promote", () => {
    const runningRollout = () => rolloutJob(t);

    it("leaves an operator's command for the worker; a second one while it waits is 409 ROLLOUT_CONFLICT", async () => {
      const jobId = await runningRollout();
      const res = await call(t.app, `/api/v1/jobs/${jobId}/pause`, {
        method: "POST",
        role: "operator",
        json: { reason: "checking" },
      });
      // No worker here: the answer comes once its short wait is over, the command still pending.
      const job = await expectJson<JobResource>(res, 200);
      expect(job.jobId).toBe(jobId);
      expect(await t.db.rolloutCommands.pending(jobId)).toMatchObject({
        command: "pause",
        by: "operator",
        reason: "checking",
      });
      const second = await call(t.app, `/api/v1/jobs/${jobId}/abort`, {
        method: "POST",
        role: "operator",
        json: {},
      });
      const problem = await expectProblem(second, 409, "ROLLOUT_CONFLICT");
      expect(problem.detail).toBeTruthy();
    });

    it("refuses what does not apply: resume of a running rollout, a job without a rollout, an unknown job, a viewer", async () => {
      const jobId = await runningRollout();
      await expectProblem(
        await call(t.app, `/api/v1/jobs/${jobId}/resume`, { method: "POST", role: "operator", json: {} }),
        409,
        "ROLLOUT_CONFLICT",
      );
      expect(await t.db.rolloutCommands.pending(jobId)).toBeNull();
      const plain = await expectJson<JobResource>(await install('{"strategy":"all-at-once"}'), 202);
      await expectProblem(
        await call(t.app, `/api/v1/jobs/${plain.jobId}/pause`, {
          method: "POST",
          role: "operator",
          json: {},
        }),
        409,
        "ROLLOUT_CONFLICT",
      );
      await expectProblem(
        await call(t.app, "/api/v1/jobs/no-such-job/promote", { method: "POST", role: "operator", json: {} }),
        404,
        "JOB_NOT_FOUND",
      );
      await expectProblem(
        await call(t.app, `/api/v1/jobs/${jobId}/abort`, { method: "POST", role: "viewer", json: {} }),
        403,
      );
    });

    it("a command against a rollout that changed since it was read is not stored (compare-and-set)", async () => {
      const jobId = await runningRollout();
      const seen = (await t.db.jobs.get(jobId))?.result ?? null;
      const moved = { ...seen, rollout: { ...(seen?.rollout as RolloutState), step: 1 } };
      await t.db.jobs.update(jobId, { result: moved });
      const record = { command: "pause" as const, by: "x", at: new Date().toISOString() };
      expect(await t.db.rolloutCommands.offer(jobId, record, seen)).toBe(false);
      expect(await t.db.rolloutCommands.offer(jobId, record, moved)).toBe(true);
      expect(await t.db.rolloutCommands.offer(jobId, record, moved)).toBe(false);
      await t.db.rolloutCommands.clear(jobId);
      expect(await t.db.rolloutCommands.pending(jobId)).toBeNull();
    });
  });
});
