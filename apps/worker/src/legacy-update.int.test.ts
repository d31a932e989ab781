import { createHash } from "node:crypto";
import { LEGACY_NATIVE_PLUGIN_ERROR } from "@arcade/contracts";
import { seedPreRefactor } from "@arcade/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Backend, mariadbS3, sqliteFs } from "./testing/backends.js";
import { Pipeline, skipReason } from "./testing/pipeline.js";
import { manifestOf, pluginZip } from "./testing/plugin-zip.js";

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** The backend, started from a pre-refactor installation (old tables with the design's ALTERs). */
function adopting(base: Backend, kind: "sqlite" | "mysql"): Backend {
  return {
    ...base,
    name: `${base.name}, adopted from the pre-refactor tables`,
    open: () =>
      base.open({
        beforeMigrate: (db) =>
          seedPreRefactor((sql, params) => db.dataSource.query(sql, params), kind, "pre-refactor+alters"),
      }),
  };
}

/** A package for an adopted plugin: a config schema that accepts its old config. */
function packageOf(name: string, version: string) {
  return manifestOf(name, version, {
    configSchema: {
      type: "object",
      properties: { webhook: { type: "string" }, channel: { type: "string" }, namespace: { type: "string" } },
    },
    defaultConfig: {},
  });
}

for (const [base, kind] of [
  [sqliteFs, "sqlite"],
  [mariadbS3, "mysql"],
] as const) {
  const backend = adopting(base, kind);
  const skip = skipReason(backend);
  describe.skipIf(skip !== undefined)(`legacy native plugins [${backend.name}]`, () => {
    let p: Pipeline;
    beforeAll(async () => {
      p = await Pipeline.start(backend, { retainVersions: 3 });
    });
    afterAll(async () => {
      await p?.close();
    });

    it("cannot be enabled, disabled or rolled back: the job fails saying to publish a package", async () => {
      const before = await p.database.plugins.findById("plugin_slack_abc123");
      const enable = await p.apply("enable", { pluginId: "plugin_slack_abc123" });
      expect(enable.state).toBe("failed");
      expect(enable.error).toMatchObject({
        code: "PLUGIN_NOT_LOADED",
        message: expect.stringContaining(LEGACY_NATIVE_PLUGIN_ERROR),
      });
      const disable = await p.apply("disable", { pluginId: "plugin_k8s-deploy_x1y2z3" });
      expect(disable.error?.code).toBe("PLUGIN_NOT_LOADED");
      const rollback = await p.apply("rollback", { pluginId: "plugin_slack_abc123", version: "1.2.0" });
      expect(rollback.error).toMatchObject({
        code: "VERSION_NOT_FOUND",
        message: expect.stringMatching(/legacy native build/),
      });
      expect(await p.database.plugins.findById("plugin_slack_abc123")).toEqual(before);
    });

    it("an update with a real package of the same release replaces it: enabled again as before, error gone", async () => {
      const zip = await pluginZip(packageOf("slack", "1.10.0"));
      const op = await p.update("plugin_slack_abc123", zip);

      expect(op.error).toBeNull();
      expect(op.result).toMatchObject({ version: "1.10.0", checksum: sha256(zip) });
      const plugin = await p.database.plugins.findById("plugin_slack_abc123");
      expect(plugin).toMatchObject({
        name: "slack",
        version: "1.10.0",
        checksum: sha256(zip),
        isEnabled: 1,
        pluginType: "custom",
      });
      expect(plugin?.error ?? null).toBeNull();
      expect(plugin?.legacy ?? null).toBeNull();
      // The old config is kept; the package's version row replaced the native one of that version.
      expect(await p.database.plugins.getConfig("plugin_slack_abc123")).toEqual({
        webhook: "https://hooks.example/1",
        channel: "#ops",
      });
      const versions = await p.database.plugins.versions("plugin_slack_abc123");
      const current = versions.find((v) => v.version === "1.10.0");
      expect(current?.checksum).toBe(sha256(zip));
      expect(current?.legacy ?? null).toBeNull();
      expect(current?.objectKey).toMatch(/^plugins\/plugin_slack_abc123\/1\.10\.0\//);
      expect(await p.objects("plugins/plugin_slack_abc123/")).toEqual([current?.objectKey]);
      await expect
        .poll(() => p.events.filter((e) => e.jobId === op.jobId).map((e) => e.op))
        .toEqual(["update"]);

      // Now an ordinary plugin: enable/disable work.
      expect((await p.apply("disable", { pluginId: "plugin_slack_abc123" })).error).toBeNull();
      expect((await p.database.plugins.findById("plugin_slack_abc123"))?.isEnabled).toBe(0);
    });

    it("keeps an old disabled state, and takes the package's name when the old one breaks today's rule", async () => {
      const k8s = await p.update(
        "plugin_k8s-deploy_x1y2z3",
        await pluginZip(packageOf("k8s-deploy", "2.1.0")),
      );
      expect(k8s.error).toBeNull();
      const updated = await p.database.plugins.findById("plugin_k8s-deploy_x1y2z3");
      expect(updated).toMatchObject({ version: "2.1.0", isEnabled: 0 });
      expect(updated?.legacy ?? null).toBeNull();

      const scanner = (await p.database.plugins.listAll()).find((x) => x.name === "Security Scanner")!;
      expect(scanner.version).toBe("v3");
      const op = await p.update(scanner.pluginId, await pluginZip(packageOf("security-scanner", "1.0.0")));
      expect(op.error).toBeNull();
      const replaced = await p.database.plugins.findById(scanner.pluginId);
      expect(replaced).toMatchObject({ name: "security-scanner", version: "1.0.0", isEnabled: 1 });
      expect([replaced?.error ?? null, replaced?.legacy ?? null]).toEqual([null, null]);
    });

    it("an older package or a name another plugin holds is refused like for any update, changing nothing", async () => {
      const runner = "plugin_test-runner_t0t0t0";
      const before = await p.database.plugins.findById(runner);
      const older = await p.update(runner, await pluginZip(packageOf("test-runner", "0.0.9")));
      expect(older.error?.code).toBe("VERSION_NOT_NEWER");
      const taken = await p.update(runner, await pluginZip(packageOf("k8s-deploy", "0.2.0")));
      expect(taken.error?.code).toBe("PLUGIN_EXISTS");
      expect(await p.database.plugins.findById(runner)).toEqual(before);
    });

    it("a new install cannot take an adopted plugin's name; uninstall removes an adopted plugin", async () => {
      const install = await p.install(await pluginZip(packageOf("test-runner", "1.0.0")));
      expect(install.error).toMatchObject({ code: "PLUGIN_EXISTS" });
      const gone = await p.apply("uninstall", { pluginId: "plugin_slack_zzz999" });
      expect(gone.error).toBeNull();
      expect(await p.database.plugins.findById("plugin_slack_zzz999")).toBeNull();
      expect(await p.database.plugins.versions("plugin_slack_zzz999")).toEqual([]);
    });
  });
}
