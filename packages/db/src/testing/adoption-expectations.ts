import { LEGACY_NATIVE_PLUGIN_ERROR } from "@arcade/contracts";
import { expect } from "vitest";
import type { Database } from "../database.js";
import { PluginScopedConfigEntity } from "../entities/plugin-scoped-config-entity.js";
import {
  DESIGN_COLUMNS,
  OLD_CONFIG_ROWS,
  OLD_PLUGIN_ROWS,
  oldTime,
  type PreRefactorState,
} from "./pre-refactor-fixture.js";

/** Everything the platform serves from the database, with the one moment-dependent value masked. */
export async function platformSnapshot(db: Database): Promise<unknown> {
  const plugins = [];
  for (const p of await db.plugins.listAll()) {
    plugins.push({
      ...p,
      legacy: p.legacy ? { ...p.legacy, importedAt: "<masked>" } : null,
      versions: await db.plugins.versions(p.pluginId),
      config: await db.plugins.getConfig(p.pluginId),
    });
  }
  const scoped = (
    await db.dataSource.getRepository(PluginScopedConfigEntity).find({ order: { configId: "ASC" } })
  ).map(({ id: _id, ...rest }) => rest);
  return { plugins, scoped, revisionAtLeastOne: (await db.plugins.currentRevision()) >= 1 };
}

/** The scanner's old id is not a valid id here: its new one is derived from the old one. */
export async function scannerId(db: Database): Promise<string> {
  const found = (await db.plugins.listAll()).find((p) => p.legacy?.pluginId === "Legacy.Scanner-007");
  expect(found?.pluginId).toMatch(/^plugin_security-scanner_[a-z0-9]{6}$/);
  return found!.pluginId;
}

/**
 * Every old row and value, checked one by one against what the repositories serve after the
 * adoption of `state`. Returns the number of plugins, for the caller's own checks.
 */
export async function expectEveryOldRow(db: Database, state: PreRefactorState): Promise<void> {
  const all = await db.plugins.listAll();
  if (state === "empty") {
    expect(all).toEqual([]);
    return;
  }
  const groups = new Map<string, (typeof OLD_PLUGIN_ROWS)[number][]>();
  for (const row of OLD_PLUGIN_ROWS) groups.set(row.plugin_id, [...(groups.get(row.plugin_id) ?? []), row]);
  expect(all).toHaveLength(groups.size);
  const scanner = await scannerId(db);
  const idOf = (old: string) => (old === "Legacy.Scanner-007" ? scanner : old);
  const designs = state === "pre-refactor+alters";

  const currentVersion: Record<string, string> = {
    plugin_slack_abc123: "1.10.0",
    "plugin_k8s-deploy_x1y2z3": "2.1.0-beta.1",
    "Legacy.Scanner-007": "v3",
    "plugin_test-runner_t0t0t0": "0.1.0",
    plugin_slack_zzz999: "1.0.0",
  };
  const mappedType: Record<string, string> = {
    notify: "notify",
    deploy: "cd",
    scanner: "custom",
    test: "ci",
  };

  for (const [oldId, rows] of groups) {
    const plugin = await db.plugins.findById(idOf(oldId));
    const current = rows.find((r) => r.version === currentVersion[oldId])!;
    expect(plugin, oldId).not.toBeNull();
    const design = designs ? DESIGN_COLUMNS[current.id] : undefined;
    expect(plugin).toMatchObject({
      version: current.version,
      description: current.description ?? "",
      author: current.author ?? "",
      pluginType: mappedType[current.plugin_type],
      entryPoint: current.entry_point,
      configSchema: current.config_schema === null ? null : JSON.parse(current.config_schema),
      paramsSchema: current.params_schema === null ? null : JSON.parse(current.params_schema),
      defaultConfig: current.default_config === null ? null : JSON.parse(current.default_config),
      icon: current.icon ?? "",
      repository: current.repository ?? "",
      documentation: (current.documentation ?? "").slice(0, 500),
      isEnabled: 2,
      isBuiltin: 0,
      checksum: "",
      error: LEGACY_NATIVE_PLUGIN_ERROR,
      source: design?.source ?? "local",
      s3Path: design?.s3_path ?? "",
      updateTime: oldTime(current.update_time),
      installTime: design?.install_time ? oldTime(design.install_time) : oldTime(rows[0]!.create_time),
      legacy: {
        pluginId: oldId,
        name: current.name,
        pluginType: current.plugin_type,
        installPath: current.install_path,
        checksum: current.checksum,
        isEnabled: current.is_enabled,
        importedAt: expect.any(String),
      },
    });
    // The manifest keeps what a column could not: the whole documentation, the design's manifest keys.
    expect(plugin!.manifest).toMatchObject({
      version: current.version,
      pluginType: mappedType[current.plugin_type],
    });
    if (current.documentation)
      expect(plugin!.manifest).toMatchObject({ documentation: current.documentation });
    if (design?.manifest)
      expect(plugin!.manifest).toMatchObject({ tags: ["chat"], homepage: "https://slack.example" });

    const versions = await db.plugins.versions(idOf(oldId));
    expect(versions.map((v) => v.version).sort()).toEqual(rows.map((r) => r.version).sort());
    for (const r of rows) {
      const v = versions.find((x) => x.version === r.version)!;
      expect(v).toMatchObject({
        objectKey: "",
        size: 0,
        createdAt: oldTime(r.create_time),
        legacy: {
          pluginType: r.plugin_type,
          installPath: r.install_path,
          checksum: r.checksum,
          isEnabled: r.is_enabled,
        },
      });
      expect(v.manifest).toMatchObject({ version: r.version, entryPoint: r.entry_point });
    }
  }

  // Names: kept as they were (even those this platform would refuse), one clash resolved.
  expect((await db.plugins.findById(scanner))?.name).toBe("Security Scanner");
  expect((await db.plugins.findById("plugin_slack_abc123"))?.name).toBe("slack");
  expect((await db.plugins.findById("plugin_slack_zzz999"))?.name).toBe("Slack (plugin_slack_zzz999)");

  // Configs: the default global row is the plugin's config; every row stays with its scope.
  expect(await db.plugins.getConfig("plugin_slack_abc123")).toEqual({
    webhook: "https://hooks.example/1",
    channel: "#ops",
  });
  expect(await db.plugins.getConfig("plugin_k8s-deploy_x1y2z3")).toEqual({ namespace: "prod", replicas: 3 });
  expect(await db.plugins.getConfig(scanner)).toEqual({ level: "high" });
  expect(await db.plugins.getConfig("plugin_test-runner_t0t0t0")).toBeNull();
  const scoped = await db.dataSource.getRepository(PluginScopedConfigEntity).find();
  expect(scoped).toHaveLength(OLD_CONFIG_ROWS.length);
  for (const old of OLD_CONFIG_ROWS) {
    const row = scoped.find((s) => s.configId === old.config_id);
    expect(row, old.config_id).toMatchObject({
      pluginId: idOf(old.plugin_id),
      name: old.name,
      scope: old.scope,
      scopeId: old.scope_id,
      description: old.description,
      isDefault: old.is_default,
      createdBy: old.created_by,
      createdAt: oldTime(old.create_time),
      updatedAt: oldTime(old.update_time),
    });
    expect(JSON.parse(row!.config)).toEqual(JSON.parse(old.config_items));
  }
  expect(await db.plugins.currentRevision()).toBeGreaterThanOrEqual(1);
}
