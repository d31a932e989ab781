import { LEGACY_NATIVE_PLUGIN_ERROR } from "@arcade/contracts";
import { describe, expect, it } from "vitest";
import { planImport } from "./legacy-plan.js";
import { date, json, type LegacyConfigRow, type LegacyPluginRow } from "./legacy-rows.js";

const NOW = new Date("2025-01-01T00:00:00.000Z");

function plugin(id: number, partial: Partial<LegacyPluginRow>): LegacyPluginRow {
  return {
    id,
    pluginId: "plugin_slack_abc123",
    name: "slack",
    version: "1.0.0",
    description: null,
    author: null,
    pluginType: "notify",
    entryPoint: "NewPlugin",
    configSchema: json(null),
    paramsSchema: json(null),
    defaultConfig: json(null),
    icon: null,
    repository: null,
    documentation: null,
    isEnabled: 1,
    isBuiltin: 0,
    installPath: `/p/${id}.so`,
    checksum: `sum-${id}`,
    createTime: new Date(Date.UTC(2023, 0, id)),
    updateTime: new Date(Date.UTC(2023, 1, id)),
    source: null,
    s3Path: null,
    manifest: json(null),
    installTime: null,
    ...partial,
  };
}

function config(id: number, partial: Partial<LegacyConfigRow>): LegacyConfigRow {
  return {
    id,
    configId: `cfg-${id}`,
    pluginId: "plugin_slack_abc123",
    name: null,
    configItems: json('{"a":1}'),
    description: null,
    scope: "global",
    scopeId: null,
    isDefault: 0,
    createdBy: null,
    createTime: null,
    updateTime: new Date(Date.UTC(2024, 0, id)),
    ...partial,
  };
}

describe("planImport", () => {
  it("makes one plugin of several version rows: the highest version current, its is_enabled remembered", () => {
    const plan = planImport(
      [
        plugin(1, { version: "1.2.0", isEnabled: 0 }),
        plugin(2, { version: "1.10.0", isEnabled: 1 }),
        plugin(3, { version: "1.9.0", isEnabled: 0 }),
      ],
      [],
      NOW,
    );
    expect(plan.plugins).toHaveLength(1);
    const [p] = plan.plugins;
    expect(p).toMatchObject({
      pluginId: "plugin_slack_abc123",
      version: "1.10.0",
      error: LEGACY_NATIVE_PLUGIN_ERROR,
      installTime: new Date(Date.UTC(2023, 0, 1)),
      legacy: { isEnabled: 1, installPath: "/p/2.so", checksum: "sum-2", pluginType: "notify" },
    });
    expect(p!.versions.map((v) => [v.version, v.legacy.isEnabled])).toEqual([
      ["1.2.0", 0],
      ["1.9.0", 0],
      ["1.10.0", 1],
    ]);
  });

  it("keeps a valid old id, derives the same new id from an invalid one every time, and resolves name clashes", () => {
    const rows = [
      plugin(1, { pluginId: "Old.Id", name: "Scanner", pluginType: "scanner" }),
      plugin(2, { pluginId: "plugin_other_zzz999", name: "scanner" }),
    ];
    const a = planImport(rows, [], NOW);
    const b = planImport(rows, [], NOW);
    expect(a.plugins[0]!.pluginId).toMatch(/^plugin_scanner_[a-z0-9]{6}$/);
    expect(a.plugins[0]!.pluginId).toBe(b.plugins[0]!.pluginId);
    expect(a.plugins[1]).toMatchObject({
      pluginId: "plugin_other_zzz999",
      name: "scanner (plugin_other_zzz999)",
    });
    expect(a.types).toEqual([
      { from: "scanner", to: "custom", known: false, plugins: 1 },
      { from: "notify", to: "notify", known: true, plugins: 1 },
    ]);
    expect(a.notes.join("\n")).toMatch(
      /Old\.Id: not a plugin id of this platform; adopted as plugin_scanner_/,
    );
  });

  it("the default global config becomes the plugin's config; every row stays with its scope; orphans are kept", () => {
    const plan = planImport(
      [plugin(1, {})],
      [
        config(1, { configItems: json('{"old":true}') }),
        config(2, { isDefault: 1, configItems: json('{"chosen":true}') }),
        config(3, { scope: "pipeline", scopeId: "p-1" }),
        config(4, { scope: "USER", scopeId: "u-1" }),
        config(5, { pluginId: "plugin_gone_000000" }),
        config(6, { configItems: json("not json") }),
      ],
      NOW,
    );
    expect(plan.configs).toEqual([
      {
        pluginId: "plugin_slack_abc123",
        config: '{"chosen":true}',
        updatedAt: new Date(Date.UTC(2024, 0, 2)),
        configId: "cfg-2",
      },
    ]);
    expect(plan.scoped.map((s) => [s.configId, s.pluginId, s.scope, s.scopeId])).toEqual([
      ["cfg-1", "plugin_slack_abc123", "global", null],
      ["cfg-2", "plugin_slack_abc123", "global", null],
      ["cfg-3", "plugin_slack_abc123", "pipeline", "p-1"],
      ["cfg-4", "plugin_slack_abc123", "user", "u-1"],
      ["cfg-5", "plugin_gone_000000", "global", null],
      ["cfg-6", "plugin_slack_abc123", "global", null],
    ]);
    // Text that was not JSON is kept as a JSON string, so the column stays valid JSON.
    expect(JSON.parse(plan.scoped[5]!.config)).toBe("not json");
  });

  it("keeps what a narrower column cannot hold in the manifest, and says so", () => {
    const doc = "x".repeat(600);
    const plan = planImport([plugin(1, { documentation: doc })], [], NOW);
    expect(plan.plugins[0]!.documentation).toHaveLength(500);
    expect(JSON.parse(plan.plugins[0]!.manifest).documentation).toBe(doc);
    expect(plan.notes).toContainEqual(expect.stringMatching(/documentation is longer than 500/));
  });
});

describe("old column values", () => {
  it("reads SQLite datetime text as UTC and drops zero dates", () => {
    expect(date("2023-04-05 06:07:08")).toEqual(new Date("2023-04-05T06:07:08Z"));
    expect(date("0000-00-00 00:00:00")).toBeNull();
    expect(date(new Date(Number.NaN))).toBeNull();
  });
});
