import { createMetrics } from "@arcade/telemetry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../app.js";
import { BASE, call, expectProblem } from "../testing/http-helpers.js";
import { ROUTES } from "../testing/route-catalog.js";
import { createTestApp, describeWithRedis, type TestApp } from "../testing/test-app.js";
import { METRICS_TOKEN } from "../testing/test-tokens.js";
import { actionLabels, OTHER, pruneActionSeries } from "./action-metrics.js";
import { isUploadRoute } from "./request-deadline.js";

describeWithRedis("control plane: headers, Host allow-list, the metrics token", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it("every answer says nosniff and no-store: success, problem, probe, 404, 405", async () => {
    const answers = [
      await call(t.app, "/api/v1/plugins", { role: "viewer" }),
      await call(t.app, "/api/v1/plugins/nope", { role: "viewer" }),
      await call(t.app, "/healthz", { role: null }),
      await call(t.app, "/no/such/path", { role: null }),
      await call(t.app, "/api/v1/jobs", { method: "DELETE" }),
      await call(t.app, "/api/v1/plugins", { role: null }),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 404, 200, 404, 405, 401]);
    for (const res of answers) {
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("cache-control")).toBe("no-store");
    }
  });

  it('every 401 of every route carries WWW-Authenticate: Bearer realm="arcade"', async () => {
    for (const route of ROUTES.filter((r) => r.role !== null)) {
      const { path, options } = await route.prepare(t);
      const res = await call(t.app, path, { ...options, method: route.method, role: null });
      expect(res.status, `${route.method} ${route.path}`).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="arcade"');
    }
    const wrong = await call(t.app, "/api/v1/plugins", {
      role: null,
      headers: { authorization: "Bearer nope" },
    });
    expect(wrong.headers.get("www-authenticate")).toBe('Bearer realm="arcade", error="invalid_token"');
  });

  it("a metrics token reads /metrics and nothing else", async () => {
    const auth = { authorization: `Bearer ${METRICS_TOKEN}` };
    const metrics = await call(t.app, "/metrics", { role: null, headers: auth });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain("# HELP");
    for (const path of [
      "/api/v1/plugins",
      "/api/v1/jobs",
      "/api/v1/cluster/nodes",
      "/api/v1/plugins/metrics",
    ]) {
      const body = await expectProblem(
        await call(t.app, path, { role: null, headers: auth }),
        403,
        "FORBIDDEN",
      );
      expect(body.detail).toContain("metrics role");
    }
    await expectProblem(await call(t.app, "/metrics", { role: null }), 401, "UNAUTHORIZED");
  });

  describe("server.allowed_hosts", () => {
    const app = () =>
      createApp({ ...t.deps, allowedHosts: ["arcade.example.com", "arcade.internal:8443", "[::1]"] });
    const withHost = (path: string, host: string | null, headers: Record<string, string> = {}) =>
      app().request(`${BASE}${path}`, {
        headers: {
          ...(host === null ? {} : { host }),
          authorization: "Bearer viewer-token-0123456789",
          ...headers,
        },
      });

    it.each([
      ["arcade.example.com", 200],
      ["ARCADE.example.com:8080", 200],
      ["arcade.internal:8443", 200],
      ["[::1]:8080", 200],
      ["arcade.internal:8080", 421],
      ["evil.example", 421],
      ["arcade.example.com.evil.example", 421],
    ])("Host %s: %i", async (host, status) => {
      const res = await withHost("/api/v1/plugins", host);
      expect(res.status).toBe(status);
      if (status === 421) await expectProblem(res, 421, "HOST_NOT_ALLOWED");
    });

    it("answers before authentication: a wrong Host with a wrong token is 421, not 401", async () => {
      const res = await withHost("/api/v1/plugins", "evil.example", { authorization: "Bearer nope" });
      await expectProblem(res, 421, "HOST_NOT_ALLOWED");
    });

    it("the probes answer any Host (they use the pod address)", async () => {
      expect((await withHost("/healthz", "10.1.2.3:8080")).status).toBe(200);
      expect((await withHost("/readyz", "10.1.2.3:8080")).status).toBe(200);
      expect((await withHost("/metrics", "10.1.2.3:8080")).status).toBe(421);
    });

    it("an empty list allows every Host", async () => {
      const open = createApp({ ...t.deps, allowedHosts: [] });
      const res = await open.request(`${BASE}/healthz`, { headers: { host: "anything.example" } });
      expect(res.status).toBe(200);
    });
  });
});

describe("upload routes (the longer request deadline)", () => {
  it.each([
    ["POST", "/api/v1/plugins/install", true],
    ["POST", "/api/v1/plugins/validate-manifest", true],
    ["PUT", "/api/v1/plugins/plugin_x_abc123", true],
    ["PUT", "/api/v1/plugins/plugin_x_abc123/", true],
    ["PUT", "/api/v1/plugins/plugin_x_abc123/config", false],
    ["POST", "/api/v1/plugins/plugin_x_abc123/actions/send", false],
    ["POST", "/api/v1/plugins/plugin_x_abc123/enable", false],
  ])("%s %s: %s", (method, path, upload) => {
    expect(isUploadRoute(method, path)).toBe(upload);
  });
});

describe("action metric labels", () => {
  const host = {
    plugins: new Map([
      ["plugin_loaded_aaaaaa", { state: "loaded", actions: ["send"] }],
      ["plugin_broken_bbbbbb", { state: "error", actions: [] }],
    ]),
    get(id: string) {
      return this.plugins.get(id);
    },
    ids() {
      return [...this.plugins.keys()];
    },
  };

  it("name only a loaded plugin and an action it exports", () => {
    expect(actionLabels(host, "plugin_loaded_aaaaaa", "send")).toEqual({
      plugin: "plugin_loaded_aaaaaa",
      action: "send",
    });
    expect(actionLabels(host, "plugin_loaded_aaaaaa", "invented")).toEqual({ plugin: OTHER, action: OTHER });
    expect(actionLabels(host, "plugin_broken_bbbbbb", "send")).toEqual({ plugin: OTHER, action: OTHER });
    expect(actionLabels(host, "plugin_nothing_cccccc", "x")).toEqual({ plugin: OTHER, action: OTHER });
  });

  it("10,000 invented names make one series; series of plugins gone are dropped", async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    for (let i = 0; i < 10_000; i += 1) {
      const labels = actionLabels(host, `plugin_fake_${i}`, `action-${i}`);
      metrics.pluginActionCallsTotal.inc({ ...labels, outcome: "error" });
      metrics.pluginActionDurationSeconds.observe(labels, 0.001);
    }
    metrics.pluginActionCallsTotal.inc({ plugin: "plugin_loaded_aaaaaa", action: "send", outcome: "ok" });
    metrics.pluginActionCallsTotal.inc({ plugin: "plugin_gone_dddddd", action: "send", outcome: "ok" });
    metrics.pluginActionDurationSeconds.observe({ plugin: "plugin_gone_dddddd", action: "send" }, 0.1);
    await pruneActionSeries(metrics, host);
    const series = (await metrics.pluginActionCallsTotal.get()).values.map((v) => v.labels.plugin).sort();
    expect(series).toEqual([OTHER, "plugin_loaded_aaaaaa"]);
    const durations = new Set(
      (await metrics.pluginActionDurationSeconds.get()).values.map((v) => v.labels.plugin),
    );
    expect([...durations]).toEqual([OTHER]);
  });
});
