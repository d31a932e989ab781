import type { RolloutPlacement } from "@arcade/contracts";
import type { PluginListFilter, PluginRecord, PluginRepo, PluginTx, PluginVersionRecord } from "@arcade/core";
import { PluginEntity } from "../entities/plugin-entity.js";
import type { DbSession } from "../session.js";
import { containsPattern, LIKE_ESCAPE } from "./like-pattern.js";
import { pageWindow } from "./paging.js";
import { toPluginRecord } from "./plugin-mapper.js";
import {
  findConfig,
  findPlacement,
  findPluginById,
  findPluginByName,
  findVersion,
  listPlacements,
  listVersions,
  readRevision,
} from "./plugin-queries.js";
import { TypeOrmPluginTx } from "./plugin-tx.js";

export class TypeOrmPluginRepo implements PluginRepo {
  constructor(private readonly session: DbSession) {}

  findById(pluginId: string): Promise<PluginRecord | null> {
    return this.session.run((m) => findPluginById(m, pluginId));
  }

  findByName(name: string): Promise<PluginRecord | null> {
    return this.session.run((m) => findPluginByName(m, name));
  }

  /** Ordered by name. `q` matches name, description or author, case-insensitively, wildcards literal. */
  async list(filter: PluginListFilter): Promise<{ items: PluginRecord[]; total: number }> {
    const { offset, limit } = pageWindow(filter.page, filter.pageSize);
    return this.session.run(async (m) => {
      const qb = m.createQueryBuilder(PluginEntity, "p");
      if (filter.pluginType !== undefined) qb.andWhere("p.pluginType = :pluginType", filter);
      if (filter.status !== undefined) qb.andWhere("p.isEnabled = :status", filter);
      if (filter.source !== undefined) qb.andWhere("p.source = :source", filter);
      if (filter.q !== undefined && filter.q !== "") {
        const like = `LIKE :q ESCAPE '${LIKE_ESCAPE}'`;
        qb.andWhere(`(LOWER(p.name) ${like} OR LOWER(p.description) ${like} OR LOWER(p.author) ${like})`, {
          q: containsPattern(filter.q),
        });
      }
      const [rows, total] = await qb.orderBy("p.name", "ASC").offset(offset).limit(limit).getManyAndCount();
      return { items: rows.map(toPluginRecord), total };
    });
  }

  listAll(): Promise<PluginRecord[]> {
    return this.session.run(async (m) => {
      const rows = await m.find(PluginEntity, { order: { name: "ASC" } });
      return rows.map(toPluginRecord);
    });
  }

  versions(pluginId: string): Promise<PluginVersionRecord[]> {
    return this.session.run((m) => listVersions(m, pluginId));
  }

  getVersion(pluginId: string, version: string): Promise<PluginVersionRecord | null> {
    return this.session.run((m) => findVersion(m, pluginId, version));
  }

  getConfig(pluginId: string): Promise<Record<string, unknown> | null> {
    return this.session.run((m) => findConfig(m, pluginId));
  }

  listPlacements(): Promise<RolloutPlacement[]> {
    return this.session.run((m) => listPlacements(m));
  }

  getPlacement(pluginId: string): Promise<RolloutPlacement | null> {
    return this.session.run((m) => findPlacement(m, pluginId));
  }

  currentRevision(): Promise<number> {
    return this.session.run(async (m) => (await readRevision(m)) ?? 0);
  }

  transaction<T>(work: (tx: PluginTx) => Promise<T>): Promise<T> {
    return this.session.transaction((manager) => work(new TypeOrmPluginTx(manager)));
  }

  ping(): Promise<void> {
    return this.session.run(async (m) => {
      await m.query("SELECT 1");
    });
  }
}
