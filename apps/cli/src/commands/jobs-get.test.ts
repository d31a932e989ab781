import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EXIT } from "../errors.js";
import { testContext } from "../test-support/capture.js";
import { FakeApi, jobAt, problem, sequence } from "../test-support/fake-api.js";
import { runJobsGet } from "./jobs-get.js";

let api: FakeApi;
beforeEach(async () => {
  api = await FakeApi.start();
});
afterEach(async () => {
  await api.close();
});

const failed = jobAt(
  2,
  {
    state: "failed",
    pluginId: "plugin_demo_abc123",
    error: {
      code: "CONFIG_INVALID",
      message: "defaultConfig does not satisfy configSchema",
      errors: [
        { path: "/defaultConfig/port", message: "must be integer" },
        { path: "/defaultConfig", message: "must have required property 'host'" },
      ],
    },
    finishedAt: "2024-05-01T10:00:01.000Z",
  },
  "failed",
);

describe("jobs get --follow", () => {
  it("prints each step once as it changes, then exits 1 with the error code, message and field errors", async () => {
    // Repeated snapshots: a step must be printed when it changes, not on every poll.
    api.on("GET", "/api/v1/jobs/job-1", sequence([jobAt(0), jobAt(0), jobAt(1), jobAt(1), jobAt(2), failed]));
    const { ctx, stdout, stderr } = testContext(api.url);

    const code = await runJobsGet(ctx, "job-1", { follow: true });

    expect(code).toBe(EXIT.failed);
    const progress = stdout
      .text()
      .split("\n")
      .filter((l) => /^ {2}\S (fetch|verify|inspect)/.test(l) && !l.includes("  · "));
    expect(progress.map((l) => l.replace(/\s+\d+\.\d+s$/, "").trim())).toEqual([
      "… fetch ...",
      "✓ fetch",
      "… verify ...",
      "✓ verify",
      "… inspect ...",
      "✗ inspect",
    ]);
    expect(stdout.text()).toContain("✓ fetch  ✓ verify  ✗ inspect  · store");
    const err = stderr.text();
    expect(err).toContain("✗ install plugin_demo_abc123 failed");
    expect(err).toContain("CONFIG_INVALID: defaultConfig does not satisfy configSchema");
    expect(err).toContain("/defaultConfig/port: must be integer");
    expect(err).toContain("/defaultConfig: must have required property 'host'");
    expect(err).toMatch(/hint: compare the config/);
    // Polled: this server has no live events (the CLI asked once, then read the job each time).
    expect(api.requests.filter((r) => !r.path.endsWith("/events")).length).toBe(6);
  });

  it("exits 0 when the job succeeds degraded and shows each node: applied, failed, pending", async () => {
    const done = jobAt(7, {
      state: "succeeded",
      pluginId: "plugin_demo_abc123",
      result: {
        version: "2.0.0",
        nodes: {
          expected: 4,
          applied: ["node-a", "node-d"],
          failed: [{ nodeId: "node-b", error: "init threw: missing token" }],
          pending: ["node-c"],
          degraded: true,
        },
      },
      finishedAt: "2024-05-01T10:00:03.000Z",
    });
    api.on("GET", "/api/v1/jobs/job-1", sequence([jobAt(4), done]));
    const { ctx, stdout } = testContext(api.url);

    expect(await runJobsGet(ctx, "job-1", { follow: true })).toBe(EXIT.ok);
    const text = stdout.text();
    expect(text).toContain("install plugin_demo_abc123 succeeded in 3.00s");
    expect(text).toContain("version   2.0.0");
    expect(text).toContain("nodes     2/4 applied (degraded)");
    expect(text).toContain("✓ applied node-a, node-d");
    expect(text).toContain("✗ node node-b: init threw: missing token");
    expect(text).toContain("… node node-c: no answer within node.convergence_timeout");
    expect(text).toContain("degraded: some nodes do not run it");
  });

  it("exits 1 when no node could load the change, with each node's reason and what was undone", async () => {
    const nodes = {
      expected: 2,
      applied: [],
      failed: [{ nodeId: "node-a", error: "init threw: boom" }],
      pending: ["node-b"],
    };
    const failed = jobAt(5, {
      state: "failed",
      type: "update",
      pluginId: "plugin_demo_abc123",
      error: {
        code: "PLUGIN_LOAD_FAILED",
        message: "no node could load demo 2.0.0 (2 expected: 1 failed, 1 did not answer)",
        detail: "The previous version keeps serving.",
        errors: [
          { path: "/nodes/node-a", message: "init threw: boom" },
          { path: "/nodes/node-b", message: "no answer within 3s (node.convergence_timeout)" },
        ],
        nodes,
        recovery: { action: "restored-version", version: "1.0.0" },
      },
      finishedAt: "2024-05-01T10:00:03.000Z",
    });
    api.on("GET", "/api/v1/jobs/job-1", sequence([jobAt(4), failed]));
    const { ctx, stderr } = testContext(api.url);

    expect(await runJobsGet(ctx, "job-1", { follow: true })).toBe(EXIT.failed);
    const err = stderr.text();
    expect(err).toContain("✗ update plugin_demo_abc123 failed");
    expect(err).toContain("PLUGIN_LOAD_FAILED: no node could load demo 2.0.0");
    expect(err).toContain("/nodes/node-a: init threw: boom");
    expect(err).toContain("/nodes/node-b: no answer within 3s (node.convergence_timeout)");
    expect(err).toContain("nodes     0/2 applied");
    expect(err).toContain("recovery  back on 1.0.0, which keeps serving");
    expect(err).toContain("The previous version keeps serving.");
  });

  it("shows a retry and the steps of the new attempt", async () => {
    api.on(
      "GET",
      "/api/v1/jobs/job-1",
      sequence([jobAt(1), jobAt(0, { attempts: 2 }), jobAt(7, { attempts: 2, state: "succeeded" })]),
    );
    const { ctx, stdout } = testContext(api.url);
    expect(await runJobsGet(ctx, "job-1", { follow: true })).toBe(EXIT.ok);
    const text = stdout.text();
    expect(text).toContain("↻ attempt 2");
    const retried = text.slice(text.indexOf("↻ attempt 2"));
    expect(text.indexOf("✓ fetch")).toBeLessThan(text.indexOf("↻ attempt 2"));
    expect(retried).toContain("… fetch ...");
    expect(retried).toMatch(/✓ fetch\s+0\.25s/);
  });

  it("rides out a passing 503 while polling", async () => {
    let calls = 0;
    api.on("GET", "/api/v1/jobs/job-1", () => {
      calls++;
      if (calls === 1) return { status: 200, body: jobAt(1) };
      if (calls === 2) return problem(503, "DATABASE_UNAVAILABLE", "the database is unavailable");
      return { status: 200, body: jobAt(7, { state: "succeeded" }) };
    });
    const { ctx } = testContext(api.url);
    expect(await runJobsGet(ctx, "job-1", { follow: true })).toBe(EXIT.ok);
    expect(calls).toBe(3);
  });

  it("without --follow prints the job once; a failed job still exits 1", async () => {
    api.on("GET", "/api/v1/jobs/job-1", sequence([failed]));
    const { ctx, stdout, stderr } = testContext(api.url);
    expect(await runJobsGet(ctx, "job-1", {})).toBe(EXIT.failed);
    expect(stdout.text()).toContain("job job-1  install plugin_demo_abc123  failed");
    expect(stderr.text()).toContain("CONFIG_INVALID");
    expect(api.requests).toHaveLength(1);
  });

  it("--json prints the final job as one JSON document on stdout and progress on stderr", async () => {
    api.on("GET", "/api/v1/jobs/job-1", sequence([jobAt(3), failed]));
    const { ctx, stdout, stderr } = testContext(api.url, { json: true });
    expect(await runJobsGet(ctx, "job-1", { follow: true })).toBe(EXIT.failed);
    const job = JSON.parse(stdout.text());
    expect(job).toMatchObject({ jobId: "job-1", state: "failed", error: { code: "CONFIG_INVALID" } });
    expect(stderr.text()).toContain("✓ fetch");
  });
});
