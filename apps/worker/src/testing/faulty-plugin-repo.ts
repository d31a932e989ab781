import type { RolloutPlacement } from "@arcade/contracts";
import {
  AppError,
  type PluginListFilter,
  type PluginRecord,
  type PluginRepo,
  type PluginTx,
  type PluginVersionRecord,
} from "@arcade/core";

/**
 * Test double of our own PluginRepo port: delegates to a real repo, but the
 * first `failTransactions` transactions fail with DATABASE_UNAVAILABLE before
 * they start (a database that drops out between the store and persist steps).
 */
export class FaultyPluginRepo implements PluginRepo {
  failTransactions = 0;

  constructor(private readonly inner: PluginRepo) {}

  transaction<T>(work: (tx: PluginTx) => Promise<T>): Promise<T> {
    if (this.failTransactions > 0) {
      this.failTransactions--;
      return Promise.reject(new AppError("DATABASE_UNAVAILABLE", "injected fault: transaction"));
    }
    return this.inner.transaction(work);
  }

  findById(pluginId: string): Promise<PluginRecord | null> {
    return this.inner.findById(pluginId);
  }

  findByName(name: string): Promise<PluginRecord | null> {
    return this.inner.findByName(name);
  }

  list(filter: PluginListFilter): Promise<{ items: PluginRecord[]; total: number }> {
    return this.inner.list(filter);
  }

  listAll(): Promise<PluginRecord[]> {
    return this.inner.listAll();
  }

  versions(pluginId: string): Promise<PluginVersionRecord[]> {
    return this.inner.versions(pluginId);
  }

  getVersion(pluginId: string, version: string): Promise<PluginVersionRecord | null> {
    return this.inner.getVersion(pluginId, version);
  }

  getConfig(pluginId: string): Promise<Record<string, unknown> | null> {
    return this.inner.getConfig(pluginId);
  }

  listPlacements(): Promise<RolloutPlacement[]> {
    return this.inner.listPlacements();
  }

  getPlacement(pluginId: string): Promise<RolloutPlacement | null> {
    return this.inner.getPlacement(pluginId);
  }

  currentRevision(): Promise<number> {
    return this.inner.currentRevision();
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }
}
