import {
  LEGACY_NATIVE_PLUGIN_ERROR,
  type PluginResource,
  type PluginVersionResource,
} from "@arcade/contracts";
import { seedPreRefactor } from "@arcade/db";
import { afterAll, beforeAll, expect, it } from "vitest";
import { call, expectJson, expectProblem } from "../testing/http-helpers.js";
import { createTestApp, describeWithRedis, type TestApp } from "../testing/test-app.js";

interface Page<T> {
  items: T[];
  total: number;
}

describeWithRedis("plugins adopted from a pre-refactor installation", () => {
  let t: TestApp;

  beforeAll(async () => {
    // The old server's tables and rows, then the migrations the API runs at start.
    t = await createTestApp({
      beforeMigrate: (db) =>
        seedPreRefactor((sql, params) => db.dataSource.query(sql, params), "sqlite", "pre-refactor+alters"),
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const get = async <T>(path: string) =>
    expectJson<T>(await call(t.app, `/api/v1${path}`, { role: "viewer" }), 200);

  it("lists them in error (isEnabled 2) with the reason, filterable by status", async () => {
    const all = await get<Page<PluginResource>>("/plugins?pageSize=50");
    expect(all.total).toBe(5);
    for (const p of all.items) {
      expect(p).toMatchObject({
        isEnabled: 2,
        error: LEGACY_NATIVE_PLUGIN_ERROR,
        legacy: expect.any(Object),
      });
    }
    expect((await get<Page<PluginResource>>("/plugins?status=2&pageSize=50")).total).toBe(5);
    expect((await get<Page<PluginResource>>("/plugins?status=1")).total).toBe(0);
    // Old types are mapped; the old one stays visible.
    const byName = new Map(all.items.map((p) => [p.name, p]));
    expect(byName.get("k8s-deploy")).toMatchObject({ pluginType: "cd", legacy: { pluginType: "deploy" } });
    expect(byName.get("Security Scanner")).toMatchObject({
      pluginType: "custom",
      legacy: { pluginType: "scanner" },
    });
  });

  it("shows one in detail with its old install path, checksum, enabled state and config", async () => {
    const slack = await get<PluginResource>("/plugins/plugin_slack_abc123");
    expect(slack).toMatchObject({
      pluginId: "plugin_slack_abc123",
      name: "slack",
      version: "1.10.0",
      pluginType: "notify",
      isEnabled: 2,
      error: LEGACY_NATIVE_PLUGIN_ERROR,
      checksum: "",
      source: "local",
      s3Path: "plugins/plugin_slack_abc123/1.10.0/plugin_slack_abc123_1.10.0.so",
      installTime: "2023-01-15T12:00:00.000Z",
      legacy: {
        pluginId: "plugin_slack_abc123",
        pluginType: "notify",
        installPath: "/var/lib/arcade/plugins/plugin_slack_abc123_1.10.0.so",
        checksum: `2`.padStart(64, "c"),
        isEnabled: 1,
      },
    });
    expect(await get("/plugins/plugin_slack_abc123/config")).toEqual({
      webhook: "https://hooks.example/1",
      channel: "#ops",
    });
  });

  it("lists the old versions as retained versions that have no package", async () => {
    const versions = await get<Page<PluginVersionResource>>("/plugins/plugin_slack_abc123/versions");
    expect(versions.items.map((v) => v.version).sort()).toEqual(["1.10.0", "1.2.0", "1.9.3"]);
    for (const v of versions.items) {
      expect(v).toMatchObject({
        objectKey: "",
        size: 0,
        legacy: { installPath: expect.stringMatching(/\.so$/) },
      });
    }
    expect(versions.items.find((v) => v.current)?.version).toBe("1.10.0");
  });

  it("serves the re-keyed plugin under its new id, and says so", async () => {
    const all = await get<Page<PluginResource>>("/plugins?q=scanner");
    const scanner = all.items[0]!;
    expect(scanner.pluginId).toMatch(/^plugin_security-scanner_[a-z0-9]{6}$/);
    expect(scanner.legacy?.pluginId).toBe("Legacy.Scanner-007");
    expect((await get<PluginResource>(`/plugins/${scanner.pluginId}`)).version).toBe("v3");
    await expectProblem(
      await call(t.app, "/api/v1/plugins/Legacy.Scanner-007", { role: "viewer" }),
      404,
      "PLUGIN_NOT_FOUND",
    );
  });
});
