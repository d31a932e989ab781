import type { JobPayloads } from "@arcade/contracts";
import { describe, expect, it } from "vitest";
import { AppError } from "../errors/app-error.js";
import type { PluginRecord, PluginTx } from "../ports/plugin-repo.js";
import { checkForUpdates, type UpdateCheckPorts } from "./check-for-updates.js";

function record(name: string, over: Partial<PluginRecord> = {}): PluginRecord {
  const version = over.version ?? "1.0.0";
  return {
    pluginId: `plugin_${name}_abc123`,
    name,
    version,
    description: "",
    author: "",
    pluginType: "notify",
    entryPoint: "index.js",
    configSchema: null,
    paramsSchema: null,
    defaultConfig: null,
    icon: "",
    repository: "",
    documentation: "",
    isEnabled: 1,
    isBuiltin: 0,
    checksum: "a".repeat(64),
    source: "market",
    s3Path: "",
    manifest: { name, version, pluginType: "notify", entryPoint: "index.js" },
    latestVersion: null,
    autoUpdate: false,
    marketId: name,
    installTime: new Date(0),
    updateTime: new Date(0),
    ...over,
  };
}

/** An in-memory stand-in for the two PluginRepo methods the checker uses. */
function pluginTable(rows: PluginRecord[]) {
  const byId = new Map(rows.map((r) => [r.pluginId, { ...r }]));
  const plugins: UpdateCheckPorts["plugins"] = {
    listAll: async () => [...byId.values()].map((r) => ({ ...r })),
    transaction: async (work) =>
      work({
        updatePlugin: async (id: string, patch: Partial<PluginRecord>) => {
          const row = byId.get(id);
          if (row) byId.set(id, { ...row, ...patch });
        },
      } as unknown as PluginTx),
  };
  return { plugins, row: (id: string) => byId.get(id)! };
}

function market(latest: Record<string, string | null | Error>) {
  return {
    latestVersion: async (marketId: string) => {
      const value = latest[marketId];
      if (value instanceof Error) throw value;
      if (value === undefined)
        throw new AppError("MARKET_PLUGIN_NOT_FOUND", `${marketId} is not in the market`);
      return value;
    },
  };
}

describe("checkForUpdates", () => {
  it("records the latest version of market plugins only, and leaves local ones alone", async () => {
    const table = pluginTable([
      record("slack"),
      record("teams", { version: "2.0.0" }),
      record("local", { source: "local", marketId: null }),
    ]);
    const enqueued: JobPayloads["update"][] = [];
    const report = await checkForUpdates({
      plugins: table.plugins,
      market: market({ slack: "1.1.0", teams: "2.0.0" }),
      autoUpdate: false,
      enqueueUpdate: async (_p, payload) => {
        enqueued.push(payload);
      },
    });
    expect(report.checked).toBe(2);
    expect(table.row("plugin_slack_abc123").latestVersion).toBe("1.1.0");
    expect(table.row("plugin_teams_abc123").latestVersion).toBe("2.0.0");
    expect(table.row("plugin_local_abc123").latestVersion).toBeNull();
    expect(report.available).toEqual([
      { pluginId: "plugin_slack_abc123", version: "1.0.0", latestVersion: "1.1.0" },
    ]);
    expect(enqueued).toEqual([]);
  });

  it("submits the update itself with auto_update on, globally or for one plugin", async () => {
    for (const [globalOn, perPlugin] of [
      [true, false],
      [false, true],
    ] as const) {
      const table = pluginTable([record("slack", { autoUpdate: perPlugin }), record("teams")]);
      const enqueued: JobPayloads["update"][] = [];
      const report = await checkForUpdates({
        plugins: table.plugins,
        market: market({ slack: "1.2.0", teams: "1.0.0" }),
        autoUpdate: globalOn,
        enqueueUpdate: async (_p, payload) => {
          enqueued.push(payload);
        },
      });
      expect(enqueued).toEqual([
        {
          requestedBy: "update-checker",
          pluginId: "plugin_slack_abc123",
          artifact: { source: "market", marketId: "slack", version: "1.2.0" },
        },
      ]);
      expect(report.enqueued).toEqual([{ pluginId: "plugin_slack_abc123", version: "1.2.0" }]);
    }
  });

  it("goes on past a plugin the market cannot answer for, or that is busy", async () => {
    const table = pluginTable([record("gone"), record("down"), record("busy"), record("fine")]);
    const report = await checkForUpdates({
      plugins: table.plugins,
      market: market({
        down: new AppError("MARKET_UNAVAILABLE", "market down"),
        busy: "9.0.0",
        fine: "1.0.1",
      }),
      autoUpdate: true,
      enqueueUpdate: async (plugin) => {
        if (plugin.name === "busy") throw new AppError("OPERATION_IN_PROGRESS", "busy");
      },
    });
    expect(report.failed.map((f) => [f.pluginId, f.code])).toEqual([
      ["plugin_gone_abc123", "MARKET_PLUGIN_NOT_FOUND"],
      ["plugin_down_abc123", "MARKET_UNAVAILABLE"],
      ["plugin_busy_abc123", "OPERATION_IN_PROGRESS"],
    ]);
    expect(report.enqueued).toEqual([{ pluginId: "plugin_fine_abc123", version: "1.0.1" }]);
    expect(table.row("plugin_busy_abc123").latestVersion).toBe("9.0.0");
  });

  it("clears latestVersion when nothing compatible is left, and never offers a downgrade", async () => {
    const table = pluginTable([record("old", { version: "3.0.0", latestVersion: "3.1.0" })]);
    let calls = 0;
    const ports = {
      plugins: table.plugins,
      autoUpdate: true,
      enqueueUpdate: async () => {
        calls += 1;
      },
    };
    await checkForUpdates({ ...ports, market: market({ old: null }) });
    expect(table.row("plugin_old_abc123").latestVersion).toBeNull();
    const report = await checkForUpdates({ ...ports, market: market({ old: "2.0.0" }) });
    expect(report.available).toEqual([]);
    expect(calls).toBe(0);
  });
});
