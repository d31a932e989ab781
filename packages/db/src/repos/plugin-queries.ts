import type { RolloutPlacement } from "@arcade/contracts";
import type { PluginRecord, PluginVersionRecord } from "@arcade/core";
import type { EntityManager } from "typeorm";
import { PluginConfigEntity } from "../entities/plugin-config-entity.js";
import { PluginEntity } from "../entities/plugin-entity.js";
import { PluginRolloutEntity } from "../entities/plugin-rollout-entity.js";
import { PluginVersionEntity } from "../entities/plugin-version-entity.js";
import { parseJson } from "./json-column.js";
import { toPlacement } from "./placement-mapper.js";
import { toPluginRecord, toVersionRecord } from "./plugin-mapper.js";

/** Reads shared by the repo (any connection) and a transaction (its own connection). */
export async function findPluginById(manager: EntityManager, pluginId: string): Promise<PluginRecord | null> {
  const row = await manager.findOneBy(PluginEntity, { pluginId });
  return row === null ? null : toPluginRecord(row);
}

export async function findPluginByName(manager: EntityManager, name: string): Promise<PluginRecord | null> {
  const row = await manager.findOneBy(PluginEntity, { name });
  return row === null ? null : toPluginRecord(row);
}

/** Newest first; rows created in the same millisecond fall back to insertion order. */
export async function listVersions(manager: EntityManager, pluginId: string): Promise<PluginVersionRecord[]> {
  const rows = await manager.find(PluginVersionEntity, {
    where: { pluginId },
    order: { createdAt: "DESC", id: "DESC" },
  });
  return rows.map(toVersionRecord);
}

export async function findVersion(
  manager: EntityManager,
  pluginId: string,
  version: string,
): Promise<PluginVersionRecord | null> {
  const row = await manager.findOneBy(PluginVersionEntity, { pluginId, version });
  return row === null ? null : toVersionRecord(row);
}

export async function findConfig(
  manager: EntityManager,
  pluginId: string,
): Promise<Record<string, unknown> | null> {
  const row = await manager.findOneBy(PluginConfigEntity, { pluginId });
  return row === null ? null : parseJson<Record<string, unknown>>(row.config, "t_plugin_config.config");
}

export async function findPlacement(
  manager: EntityManager,
  pluginId: string,
): Promise<RolloutPlacement | null> {
  const row = await manager.findOneBy(PluginRolloutEntity, { pluginId });
  return row === null ? null : toPlacement(row);
}

/** Ordered by plugin id, so every node reads them in the same order. */
export async function listPlacements(manager: EntityManager): Promise<RolloutPlacement[]> {
  const rows = await manager.find(PluginRolloutEntity, { order: { pluginId: "ASC" } });
  return rows.map(toPlacement);
}

/** The cluster revision, or null when the row is missing (migrations not run). */
export async function readRevision(manager: EntityManager): Promise<number | null> {
  const rows: { revision: string | number }[] = await manager.query(
    "SELECT revision FROM t_cluster_revision WHERE id = 1",
  );
  const row = rows[0];
  return row === undefined ? null : Number(row.revision);
}
