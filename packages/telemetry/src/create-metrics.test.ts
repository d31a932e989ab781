import { register as globalRegistry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createMetrics } from "./create-metrics.js";

const NAMES = [
  "arcade_http_requests_total",
  "arcade_http_request_duration_seconds",
  "arcade_jobs_total",
  "arcade_job_duration_seconds",
  "arcade_job_step_duration_seconds",
  "arcade_plugins_loaded",
  "arcade_plugin_action_calls_total",
  "arcade_plugin_action_duration_seconds",
  "arcade_reconcile_total",
  "arcade_node_applied_revision",
];

describe("createMetrics", () => {
  it("registers every platform metric under the prefix", async () => {
    const { registry } = createMetrics({ defaultMetrics: false });
    const text = await registry.metrics();
    for (const name of NAMES) expect(text).toContain(`# TYPE ${name} `);
  });

  it("records labelled values", async () => {
    const m = createMetrics({ defaultMetrics: false });
    m.httpRequestsTotal.inc({ method: "GET", route: "/api/v1/plugins", status: "200" });
    m.jobsTotal.inc({ type: "install", state: "succeeded" });
    m.jobStepDurationSeconds.observe({ step: "inspect" }, 0.2);
    m.pluginsLoaded.set({ state: "active" }, 3);
    m.pluginActionCallsTotal.inc({ plugin: "plugin_slack_k3x9q2", action: "send", outcome: "ok" });
    m.reconcileTotal.inc({ reason: "timer", outcome: "ok" });
    m.nodeAppliedRevision.set(17);
    const text = await m.registry.metrics();
    expect(text).toContain('arcade_http_requests_total{method="GET",route="/api/v1/plugins",status="200"} 1');
    expect(text).toContain('arcade_jobs_total{type="install",state="succeeded"} 1');
    expect(text).toContain('arcade_job_step_duration_seconds_count{step="inspect"} 1');
    expect(text).toContain('arcade_plugins_loaded{state="active"} 3');
    expect(text).toContain(
      'arcade_plugin_action_calls_total{plugin="plugin_slack_k3x9q2",action="send",outcome="ok"} 1',
    );
    expect(text).toContain('arcade_reconcile_total{reason="timer",outcome="ok"} 1');
    expect(text).toContain("arcade_node_applied_revision 17");
  });

  it("gives each call its own registry, leaving prom-client's global one alone", async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.jobsTotal.inc({ type: "install", state: "failed" });
    expect(await b.registry.metrics()).not.toContain('state="failed"');
    expect(await globalRegistry.metrics()).not.toContain("arcade_");
  });

  it("adds process metrics under the prefix unless turned off", async () => {
    expect(await createMetrics({ prefix: "x_" }).registry.metrics()).toContain(
      "x_process_cpu_user_seconds_total",
    );
    expect(await createMetrics({ defaultMetrics: false }).registry.metrics()).not.toContain("process_cpu");
  });
});
