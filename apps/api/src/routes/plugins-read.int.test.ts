import type { JobResource, PluginResource } from "@arcade/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, expectJson, expectProblem } from "../testing/http-helpers.js";
import { createTestApp, describeWithRedis, type TestApp } from "../testing/test-app.js";

interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

describeWithRedis("reading plugins and jobs", () => {
  let t: TestApp;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestApp();
    ids.alpha = (
      await t.insertPlugin({
        name: "alpha-mailer",
        pluginType: "notify",
        description: "Sends MAIL",
        status: 1,
      })
    ).pluginId;
    ids.beta = (
      await t.insertPlugin({
        name: "beta-builder",
        pluginType: "ci",
        author: "Builders Inc",
        status: 0,
        source: "market",
      })
    ).pluginId;
    ids.gamma = (await t.insertPlugin({ name: "gamma_custom", pluginType: "custom", status: 2 })).pluginId;
    ids.delta = (await t.insertPlugin({ name: "delta-notify", pluginType: "notify", status: 1 })).pluginId;
  });
  afterAll(async () => {
    await t?.close();
  });

  async function list(query: string): Promise<Page<PluginResource>> {
    return expectJson<Page<PluginResource>>(
      await call(t.app, `/api/v1/plugins${query}`, { role: "viewer" }),
      200,
    );
  }
  const names = (page: Page<PluginResource>) => page.items.map((p) => p.name).sort();

  it("lists everything with defaults page=1, pageSize=20", async () => {
    const page = await list("");
    expect(page).toMatchObject({ total: 4, page: 1, pageSize: 20 });
    expect(names(page)).toEqual(["alpha-mailer", "beta-builder", "delta-notify", "gamma_custom"]);
    expect(page.items[0]).toMatchObject({ isBuiltin: 0 });
    expect(page.items[0]?.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ["?pluginType=notify", ["alpha-mailer", "delta-notify"]],
    ["?pluginType=ci", ["beta-builder"]],
    ["?status=0", ["beta-builder"]],
    ["?status=2", ["gamma_custom"]],
    ["?isEnabled=1", ["alpha-mailer", "delta-notify"]],
    ["?isEnabled=2", ["gamma_custom"]],
    ["?source=market", ["beta-builder"]],
    ["?source=local", ["alpha-mailer", "delta-notify", "gamma_custom"]],
    ["?q=alpha", ["alpha-mailer"]],
    ["?q=mail", ["alpha-mailer"]],
    ["?q=builders", ["beta-builder"]],
    ["?q=nothing-matches", []],
    ["?pluginType=notify&status=1&q=delta", ["delta-notify"]],
    ["?q=%25", []],
    ["?q=_", ["gamma_custom"]],
    // name: exact, unlike q (which would also match "delta-notify" for "notify")
    ["?name=alpha-mailer", ["alpha-mailer"]],
    ["?name=alpha", []],
    ["?name=ALPHA-MAILER", []],
    ["?name=delta-notify&pluginType=notify", ["delta-notify"]],
    ["?name=delta-notify&pluginType=ci", []],
    ["?name=beta-builder&status=0&source=market", ["beta-builder"]],
    ["?name=beta-builder&status=1", []],
    ["?name=alpha-mailer&q=mail", ["alpha-mailer"]],
    ["?name=alpha-mailer&q=beta", []],
  ])("filter %s", async (query, expected) => {
    const page = await list(query);
    expect(names(page)).toEqual(expected);
    expect(page.total).toBe(expected.length);
  });

  it("pages: pageSize=3 gives 3 + 1, a page past the end is empty but keeps the total", async () => {
    const first = await list("?pageSize=3&page=1");
    const second = await list("?pageSize=3&page=2");
    const past = await list("?pageSize=3&page=9");
    expect(first).toMatchObject({ total: 4, page: 1, pageSize: 3 });
    expect(first.items).toHaveLength(3);
    expect(second.items).toHaveLength(1);
    expect(past).toMatchObject({ items: [], total: 4, page: 9 });
    const all = [...first.items, ...second.items].map((p) => p.pluginId).sort();
    expect(all).toEqual(Object.values(ids).sort());
  });

  it.each([
    ["pluginType", "toaster"],
    ["status", "3"],
    ["status", "enabled"],
    ["isEnabled", "yes"],
    ["source", "ftp"],
    ["page", "0"],
    ["page", "-1"],
    ["page", "abc"],
    ["page", "1.5"],
    ["pageSize", "0"],
    ["pageSize", "201"],
    ["pageSize", "10000000000"],
    ["q", "x".repeat(201)],
    ["name", "x".repeat(201)],
  ])("%s=%s: 400 VALIDATION_FAILED naming the parameter", async (name, value) => {
    const body = await expectProblem(
      await call(t.app, `/api/v1/plugins?${name}=${encodeURIComponent(value)}`, { role: "viewer" }),
      400,
      "VALIDATION_FAILED",
    );
    expect(body.errors?.map((e) => e.path)).toEqual([`/${name}`]);
  });

  it("several bad parameters are reported together", async () => {
    const body = await expectProblem(
      await call(t.app, "/api/v1/plugins?page=0&pageSize=x&source=y"),
      400,
      "VALIDATION_FAILED",
    );
    expect(body.errors?.map((e) => e.path).sort()).toEqual(["/page", "/pageSize", "/source"]);
  });

  it("detail: the plugin with its per-node load state", async () => {
    const body = await expectJson<PluginResource>(
      await call(t.app, `/api/v1/plugins/${ids.alpha}`, { role: "viewer" }),
      200,
    );
    expect(body).toMatchObject({ pluginId: ids.alpha, name: "alpha-mailer", isEnabled: 1, source: "local" });
    expect(Array.isArray(body.nodes)).toBe(true);
  });

  it("versions: the retained versions, current one marked", async () => {
    const body = await expectJson<Page<{ version: string; current: boolean }>>(
      await call(t.app, `/api/v1/plugins/${ids.beta}/versions`),
      200,
    );
    expect(body.items).toEqual([expect.objectContaining({ version: "1.0.0", current: true })]);
  });

  it("unknown and absurd plugin ids are 404 PLUGIN_NOT_FOUND on every plugin route", async () => {
    const absurd = [
      "plugin_nobody_abc123",
      "x".repeat(5000),
      encodeURIComponent("插件_☃_💥"),
      "%2e%2e",
      "..%2f..%2fetc%2fpasswd",
      "%00",
      "plugin_a_abc123%00",
      "%E0%A4%A",
      "'%20OR%201=1--",
    ];
    for (const id of absurd) {
      // WHATWG URL parsing turns %2e%2e into "..", so that one never reaches a plugin route: NOT_FOUND.
      const code = id === "%2e%2e" ? "NOT_FOUND" : "PLUGIN_NOT_FOUND";
      for (const suffix of ["", "/config", "/versions"]) {
        await expectProblem(await call(t.app, `/api/v1/plugins/${id}${suffix}`), 404, code);
      }
      for (const suffix of ["/enable", "/disable", "/rollback"]) {
        await expectProblem(
          await call(t.app, `/api/v1/plugins/${id}${suffix}`, { method: "POST" }),
          404,
          code,
        );
      }
      await expectProblem(await call(t.app, `/api/v1/plugins/${id}`, { method: "DELETE" }), 404, code);
      await expectProblem(
        await call(t.app, `/api/v1/plugins/${id}/config`, { method: "PUT", json: {} }),
        404,
        code,
      );
      await expectProblem(
        await call(t.app, `/api/v1/plugins/${id}/actions/send`, { method: "POST", json: {} }),
        404,
        code,
      );
    }
    expect((await t.db.jobs.list({ page: 1, pageSize: 1 })).total).toBe(0);
  });

  describe("jobs", () => {
    let enableJob: JobResource;
    let disableJob: JobResource;

    beforeAll(async () => {
      enableJob = (await (
        await call(t.app, `/api/v1/plugins/${ids.beta}/enable`, { method: "POST" })
      ).json()) as JobResource;
      disableJob = (await (
        await call(t.app, `/api/v1/plugins/${ids.alpha}/disable`, { method: "POST" })
      ).json()) as JobResource;
      await t.db.jobs.update(disableJob.jobId, {
        state: "failed",
        error: { code: "INTERNAL", message: "x" },
        finishedAt: new Date(),
      });
    });

    it("GET /jobs/:jobId answers the job; unknown and absurd ids are 404 JOB_NOT_FOUND", async () => {
      expect(
        await expectJson<JobResource>(
          await call(t.app, `/api/v1/jobs/${enableJob.jobId}`, { role: "viewer" }),
          200,
        ),
      ).toMatchObject({
        jobId: enableJob.jobId,
        type: "enable",
        pluginId: ids.beta,
        state: "queued",
      });
      for (const id of [
        "00000000-0000-0000-0000-000000000000",
        "x".repeat(3000),
        "%00",
        "☃",
        "%E0%A4%A",
        "a%2Fb",
      ]) {
        await expectProblem(await call(t.app, `/api/v1/jobs/${id}`), 404, "JOB_NOT_FOUND");
      }
      await expectProblem(await call(t.app, "/api/v1/jobs/%2e%2e"), 404, "NOT_FOUND");
    });

    it("GET /jobs/:jobId?wait=1 answers the unfinished job after waiting; wait=61 is 400", async () => {
      expect(
        await expectJson<JobResource>(await call(t.app, `/api/v1/jobs/${enableJob.jobId}?wait=1`), 200),
      ).toMatchObject({ state: "queued" });
      await expectProblem(
        await call(t.app, `/api/v1/jobs/${enableJob.jobId}?wait=61`),
        400,
        "VALIDATION_FAILED",
      );
    });

    it.each([
      ["", 2],
      ["?state=queued", 1],
      ["?state=failed", 1],
      ["?type=disable", 1],
      ["?type=install", 0],
    ])("GET /jobs%s filters", async (query, count) => {
      const page = await expectJson<Page<JobResource>>(await call(t.app, `/api/v1/jobs${query}`), 200);
      expect(page.total).toBe(count);
      expect(page.items).toHaveLength(count);
    });

    it("GET /jobs?pluginId= filters by plugin", async () => {
      const page = await expectJson<Page<JobResource>>(
        await call(t.app, `/api/v1/jobs?pluginId=${ids.beta}`),
        200,
      );
      expect(page.items.map((j) => j.jobId)).toEqual([enableJob.jobId]);
    });

    it.each([
      ["state", "done"],
      ["type", "explode"],
      ["page", "0"],
      ["pageSize", "500"],
      ["pluginId", "p".repeat(101)],
    ])("GET /jobs?%s=%s: 400 naming the parameter", async (name, value) => {
      const body = await expectProblem(
        await call(t.app, `/api/v1/jobs?${name}=${value}`),
        400,
        "VALIDATION_FAILED",
      );
      expect(body.errors?.map((e) => e.path)).toEqual([`/${name}`]);
    });
  });
});
