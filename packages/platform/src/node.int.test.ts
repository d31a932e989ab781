import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LEGACY_NATIVE_PLUGIN_ERROR, PluginStatus } from "@arcade/contracts";
import { newPluginRecord, type PluginRepo } from "@arcade/core";
import { type Database, openDatabase } from "@arcade/db";
import { desiredPluginsReader } from "@arcade/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHECKSUM = "a".repeat(64);

describe("desiredPluginsReader (real SQLite)", () => {
  let dir: string;
  let db: Database;
  let configReads = 0;
  let counted: PluginRepo;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "arcade-desired-"));
    db = await openDatabase({ type: "sqlite", path: join(dir, "db.sqlite") });
    await db.migrate();
    counted = Object.create(db.plugins, {
      getConfig: {
        value: (id: string) => {
          configReads += 1;
          return db.plugins.getConfig(id);
        },
      },
    }) as PluginRepo;
    for (const [id, status] of [
      ["plugin_on_aaaaaa", PluginStatus.Enabled],
      ["plugin_off_bbbbbb", PluginStatus.Disabled],
    ] as const) {
      await db.plugins.transaction(async (tx) => {
        const manifest = { name: id, version: "1.0.0", pluginType: "custom" as const, entryPoint: "i.mjs" };
        await tx.insertPlugin(
          newPluginRecord({
            pluginId: id,
            manifest,
            checksum: CHECKSUM,
            source: "local",
            marketId: null,
            now: new Date(1_000),
            status,
          }),
        );
        await tx.setConfig(id, { n: 1 });
      });
    }
  });

  afterAll(async () => {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("lists the enabled plugins with their configs, and reads a config again only when the row changed", async () => {
    const read = desiredPluginsReader(counted);
    const first = await read();
    expect(first.map((d) => [d.pluginId, d.config, d.objectKey])).toEqual([
      ["plugin_on_aaaaaa", { n: 1 }, "plugins/plugin_on_aaaaaa/1.0.0/plugin_on_aaaaaa_1.0.0.zip"],
    ]);
    expect(configReads).toBe(1);

    await read();
    expect(configReads).toBe(1);

    // configure: a new config, and the row's updateTime moves with it.
    await db.plugins.transaction(async (tx) => {
      await tx.setConfig("plugin_on_aaaaaa", { n: 2 });
      await tx.updatePlugin("plugin_on_aaaaaa", { updateTime: new Date(2_000) });
    });
    expect((await read())[0]?.config).toEqual({ n: 2 });
    expect(configReads).toBe(2);
  });
  it("never offers a plugin adopted from a pre-refactor installation (a native .so), enabled or not", async () => {
    await db.plugins.transaction(async (tx) => {
      const manifest = {
        name: "old-slack",
        version: "1.0.0",
        pluginType: "notify" as const,
        entryPoint: "NewPlugin",
      };
      await tx.insertPlugin({
        ...newPluginRecord({
          pluginId: "plugin_old-slack_cccccc",
          manifest,
          checksum: "",
          source: "local",
          marketId: null,
          now: new Date(1_000),
          status: PluginStatus.Error,
        }),
        error: LEGACY_NATIVE_PLUGIN_ERROR,
        legacy: {
          pluginId: "plugin_old-slack_cccccc",
          name: "old-slack",
          pluginType: "notify",
          installPath: "/var/lib/arcade/plugins/plugin_old-slack_cccccc_1.0.0.so",
          checksum: null,
          isEnabled: 1,
          importedAt: new Date(1_000).toISOString(),
        },
      });
    });
    const ids = (await desiredPluginsReader(db.plugins)()).map((d) => d.pluginId);
    expect(ids).toContain("plugin_on_aaaaaa");
    expect(ids).not.toContain("plugin_old-slack_cccccc");
  });
});
