import type { RolloutPlacement } from "@arcade/contracts";
import {
  AppError,
  type PlacementWrite,
  type PluginRecord,
  type PluginTx,
  type PluginVersionRecord,
} from "@arcade/core";
import type { EntityManager } from "typeorm";
import { PluginConfigEntity } from "../entities/plugin-config-entity.js";
import { PluginEntity } from "../entities/plugin-entity.js";
import { PluginRolloutEntity } from "../entities/plugin-rollout-entity.js";
import { PluginScopedConfigEntity } from "../entities/plugin-scoped-config-entity.js";
import { PluginVersionEntity } from "../entities/plugin-version-entity.js";
import { guard, isUniqueViolation } from "../errors.js";
import { toJson } from "./json-column.js";
import { placementColumns } from "./placement-mapper.js";
import { pluginColumns, versionColumns } from "./plugin-mapper.js";
import {
  findPlacement,
  findPluginById,
  findPluginByName,
  listVersions,
  readRevision,
} from "./plugin-queries.js";

/**
 * PluginTx bound to one transaction's EntityManager. Inserts and updates go through the query
 * builder (never `save`, which would try to open a transaction of its own).
 */
export class TypeOrmPluginTx implements PluginTx {
  constructor(private readonly manager: EntityManager) {}

  insertPlugin(plugin: PluginRecord): Promise<void> {
    return guard(async () => {
      const now = new Date();
      try {
        await this.manager.insert(PluginEntity, {
          ...pluginColumns(plugin),
          isBuiltin: 0,
          createdAt: now,
          updatedAt: now,
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw pluginExists(plugin.name, error);
        throw error;
      }
    });
  }

  updatePlugin(pluginId: string, patch: Partial<Omit<PluginRecord, "pluginId">>): Promise<void> {
    return guard(async () => {
      const columns = pluginColumns(patch);
      delete columns.pluginId;
      try {
        await this.manager.update(PluginEntity, { pluginId }, { ...columns, updatedAt: new Date() });
      } catch (error) {
        if (isUniqueViolation(error)) throw pluginExists(patch.name ?? pluginId, error);
        throw error;
      }
    });
  }

  deletePlugin(pluginId: string): Promise<void> {
    return guard(async () => {
      await this.manager.delete(PluginVersionEntity, { pluginId });
      await this.manager.delete(PluginConfigEntity, { pluginId });
      await this.manager.delete(PluginScopedConfigEntity, { pluginId });
      await this.manager.delete(PluginRolloutEntity, { pluginId });
      await this.manager.delete(PluginEntity, { pluginId });
    });
  }

  upsertVersion(version: PluginVersionRecord): Promise<void> {
    return guard(async () => {
      const existing = await this.manager.findOne(PluginVersionEntity, {
        select: { id: true },
        where: { pluginId: version.pluginId, version: version.version },
      });
      if (existing === null) {
        await this.manager.insert(PluginVersionEntity, versionColumns(version));
      } else {
        await this.manager.update(PluginVersionEntity, { id: existing.id }, versionColumns(version));
      }
    });
  }

  deleteVersion(pluginId: string, version: string): Promise<void> {
    return guard(async () => {
      await this.manager.delete(PluginVersionEntity, { pluginId, version });
    });
  }

  setConfig(pluginId: string, config: Record<string, unknown>): Promise<void> {
    return guard(async () => {
      const columns = { config: toJson(config), updatedAt: new Date() };
      const existing = await this.manager.findOne(PluginConfigEntity, {
        select: { id: true },
        where: { pluginId },
      });
      if (existing === null) {
        await this.manager.insert(PluginConfigEntity, { pluginId, ...columns });
      } else {
        await this.manager.update(PluginConfigEntity, { id: existing.id }, columns);
      }
    });
  }

  putPlacement(placement: PlacementWrite): Promise<void> {
    return guard(async () => {
      const columns = placementColumns(placement);
      const existing = await this.manager.findOne(PluginRolloutEntity, {
        select: { pluginId: true },
        where: { pluginId: placement.pluginId },
      });
      if (existing === null) {
        await this.manager.insert(PluginRolloutEntity, columns);
      } else {
        await this.manager.update(PluginRolloutEntity, { pluginId: placement.pluginId }, columns);
      }
    });
  }

  deletePlacement(pluginId: string): Promise<void> {
    return guard(async () => {
      await this.manager.delete(PluginRolloutEntity, { pluginId });
    });
  }

  getPlacement(pluginId: string): Promise<RolloutPlacement | null> {
    return guard(() => findPlacement(this.manager, pluginId));
  }

  bumpRevision(): Promise<number> {
    return guard(async () => {
      await this.manager.query("UPDATE t_cluster_revision SET revision = revision + 1 WHERE id = 1");
      const revision = await readRevision(this.manager);
      if (revision === null) {
        throw new AppError("INTERNAL", "t_cluster_revision has no row id=1: run the database migrations");
      }
      return revision;
    });
  }

  findById(pluginId: string): Promise<PluginRecord | null> {
    return guard(() => findPluginById(this.manager, pluginId));
  }

  findByName(name: string): Promise<PluginRecord | null> {
    return guard(() => findPluginByName(this.manager, name));
  }

  versions(pluginId: string): Promise<PluginVersionRecord[]> {
    return guard(() => listVersions(this.manager, pluginId));
  }
}

function pluginExists(name: string, cause: unknown): AppError {
  return new AppError("PLUGIN_EXISTS", `a plugin named ${name} already exists`, { cause });
}
