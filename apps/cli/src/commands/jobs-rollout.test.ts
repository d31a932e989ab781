import type { RolloutState } from "@arcade/contracts";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ApiError } from "../errors.js";
import { testContext } from "../test-support/capture.js";
import { FakeApi, jobAt, problem } from "../test-support/fake-api.js";
import { runJobsGet } from "./jobs-get.js";
import { runRolloutCommand } from "./jobs-rollout.js";
import { rolloutFields } from "./rollout-option.js";
import { runUpdate } from "./update.js";

let api: FakeApi;
beforeEach(async () => {
  api = await FakeApi.start();
});
afterEach(async () => {
  await api.close();
});

const STEPS: RolloutState["steps"] = [
  { step: 0, kind: "switch", holdMs: 60_000, nodes: ["b"], added: ["b"] },
  { step: 1, kind: "switch", holdMs: 0, nodes: ["b", "a", "c"], added: ["a", "c"] },
];

function rollout(over: Partial<RolloutState> = {}): RolloutState {
  return {
    strategy: "canary",
    status: "running",
    step: 0,
    phase: "holding",
    steps: STEPS,
    fromVersion: "1.0.0",
    toVersion: "2.0.0",
    nodesByVersion: { "1.0.0": ["a", "c"], "2.0.0": ["b"] },
    verdict: null,
    holdUntil: "2024-05-01T10:01:00.000Z",
    extraHolds: 0,
    reason: null,
    by: null,
    ...over,
  };
}

describe("jobs pause|resume|abort|promote", () => {
  it("posts the command with its reason and prints the rollout state after it", async () => {
    const paused = rollout({ status: "paused", reason: "dashboards", by: "ops" });
    api.on("POST", "/api/v1/jobs/job-1/pause", () => ({
      status: 200,
      body: jobAt(5, { type: "update", result: { version: "2.0.0", rollout: paused } }),
    }));
    const { ctx, stdout } = testContext(api.url);
    expect(await runRolloutCommand(ctx, "pause", "job-1", { reason: "dashboards" })).toBe(0);
    expect(api.requests.at(-1)?.json).toEqual({ reason: "dashboards" });
    const text = stdout.text();
    expect(text).toContain("rollout   canary 1.0.0 -> 2.0.0: paused, step 1/2 (holding)");
    expect(text).toContain("2.0.0      b");
    expect(text).toContain("1.0.0      a, c");
    expect(text).toContain("reason    dashboards (ops)");
    expect(text).toContain("arcade-plugins jobs resume|promote|abort job-1");
  });

  it("a command that does not apply is the server's 409 ROLLOUT_CONFLICT", async () => {
    api.on("POST", "/api/v1/jobs/job-1/resume", () =>
      problem(409, "ROLLOUT_CONFLICT", "cannot resume the rollout of job job-1: the rollout is not paused"),
    );
    const { ctx } = testContext(api.url);
    const error = await runRolloutCommand(ctx, "resume", "job-1", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).problem.code).toBe("ROLLOUT_CONFLICT");
  });
});

describe("jobs get with a rollout", () => {
  it("shows the versions per node and the last verdict", async () => {
    const verdict: RolloutState["verdict"] = {
      decision: "abort",
      findings: [
        { check: "errorRate", observed: 0.2, limit: 0.05, message: "2.0.0 failed 20 of 100 calls (20%)" },
      ],
      canary: {
        version: "2.0.0",
        nodes: ["b"],
        loadFailures: 0,
        crashes: 0,
        calls: 100,
        errors: 20,
        errorRate: 0.2,
        p99Ms: 12,
      },
      baseline: null,
    };
    api.on("GET", "/api/v1/jobs/job-1", () => ({
      status: 200,
      body: jobAt(5, { type: "update", result: { rollout: rollout({ verdict, extraHolds: 0 }) } }),
    }));
    const { ctx, stdout } = testContext(api.url);
    await runJobsGet(ctx, "job-1", {});
    const text = stdout.text();
    expect(text).toContain("verdict   abort: 2.0.0 100 calls, 20 errors (20.0%), p99 12ms");
    expect(text).toContain("errorRate: 2.0.0 failed 20 of 100 calls (20%)");
    expect(text).toContain("hold until 10:01:00");
  });
});

describe("update --rollout", () => {
  it("sends the rollout field: a bare strategy as its JSON, JSON as given", async () => {
    api.on("PUT", "/api/v1/plugins/p1", () => ({
      status: 200,
      body: jobAt(7, { type: "update", state: "succeeded" }),
    }));
    const { ctx } = testContext(api.url);
    await runUpdate(ctx, "p1", undefined, { market: "m1", rollout: "canary", yes: true });
    expect(api.requests.at(-1)?.multipart?.fields).toMatchObject({ rollout: '{"strategy":"canary"}' });
    expect(rolloutFields('{"strategy":"two-phase"}')).toEqual({ rollout: '{"strategy":"two-phase"}' });
    expect(rolloutFields(undefined)).toEqual({});
    expect(() => rolloutFields("slowly")).toThrow(/--rollout takes a strategy/);
  });
});
