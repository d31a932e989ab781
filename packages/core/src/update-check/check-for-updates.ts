import type { JobPayloads } from "@arcade/contracts";
import semver from "semver";
import { isAppError } from "../errors/app-error.js";
import type { Logger } from "../ports/logger.js";
import { silentLogger } from "../ports/logger.js";
import type { PluginRecord, PluginRepo } from "../ports/plugin-repo.js";

export const UPDATE_CHECKER = "update-checker";

export interface UpdateCheckPorts {
  plugins: Pick<PluginRepo, "listAll" | "transaction">;
  /** The latest version the market offers that this platform can run; null when none. */
  market: { latestVersion(marketId: string): Promise<string | null> };
  /** `plugin.auto_update`: update every market plugin (a plugin's own `autoUpdate` also turns it on). */
  autoUpdate: boolean;
  /** Submits an update job (an operation row plus a queued job) for one plugin. */
  enqueueUpdate(plugin: PluginRecord, payload: JobPayloads["update"]): Promise<void>;
  logger?: Logger;
}

export interface UpdateCheckReport {
  checked: number;
  /** Plugins with a newer compatible version in the market. */
  available: { pluginId: string; version: string; latestVersion: string }[];
  /** The ones an update job was submitted for. */
  enqueued: { pluginId: string; version: string }[];
  failed: { pluginId: string; code: string; message: string }[];
}

/** The update job the checker submits: a market update to exactly `version`. */
export function autoUpdatePayload(plugin: PluginRecord, version: string): JobPayloads["update"] {
  return {
    requestedBy: UPDATE_CHECKER,
    pluginId: plugin.pluginId,
    artifact: { source: "market", marketId: plugin.marketId ?? "", version },
  };
}

/**
 * One run of the update checker: for every plugin installed from the market,
 * ask the market for the latest compatible version, record it (`latestVersion`,
 * from which the API derives `updateAvailable`), and with auto-update on (global
 * or for that plugin) submit the update. A failure for one plugin (market down,
 * plugin withdrawn, a busy plugin's 409) is reported and the run goes on.
 */
export async function checkForUpdates(ports: UpdateCheckPorts): Promise<UpdateCheckReport> {
  const logger = ports.logger ?? silentLogger;
  const report: UpdateCheckReport = { checked: 0, available: [], enqueued: [], failed: [] };
  const plugins = (await ports.plugins.listAll()).filter((p) => p.source === "market" && p.marketId);
  for (const plugin of plugins) {
    report.checked += 1;
    let latest: string | null;
    try {
      latest = await ports.market.latestVersion(plugin.marketId!);
    } catch (thrown) {
      const error = describeError(thrown);
      logger.warn({ pluginId: plugin.pluginId, code: error.code, err: error.message }, "update check failed");
      report.failed.push({ pluginId: plugin.pluginId, code: error.code, message: error.message });
      continue;
    }
    if (latest !== plugin.latestVersion) {
      await ports.plugins.transaction((tx) => tx.updatePlugin(plugin.pluginId, { latestVersion: latest }));
    }
    if (latest === null || !semver.valid(latest) || !semver.gt(latest, plugin.version)) continue;
    report.available.push({ pluginId: plugin.pluginId, version: plugin.version, latestVersion: latest });
    if (!(ports.autoUpdate || plugin.autoUpdate)) continue;
    try {
      await ports.enqueueUpdate(plugin, autoUpdatePayload(plugin, latest));
      report.enqueued.push({ pluginId: plugin.pluginId, version: latest });
      logger.info({ pluginId: plugin.pluginId, from: plugin.version, to: latest }, "auto-update submitted");
    } catch (thrown) {
      const error = describeError(thrown);
      logger.warn(
        { pluginId: plugin.pluginId, code: error.code, err: error.message },
        "auto-update not submitted",
      );
      report.failed.push({ pluginId: plugin.pluginId, code: error.code, message: error.message });
    }
  }
  return report;
}

function describeError(thrown: unknown): { code: string; message: string } {
  if (isAppError(thrown)) return { code: thrown.code, message: thrown.message };
  return { code: "INTERNAL", message: thrown instanceof Error ? thrown.message : String(thrown) };
}
