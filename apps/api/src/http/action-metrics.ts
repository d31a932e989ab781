/** The label used for calls to a plugin that is not loaded here or an action it does not declare. */
export const OTHER = "_other";

/** The two prom-client metrics with plugin/action labels (structurally: no prom-client import here). */
interface LabelledMetric {
  get(): Promise<{ values: { labels: Record<string, string | number | undefined> }[] }>;
  remove(labels: Record<string, string>): void;
}

export interface ActionMetrics {
  pluginActionCallsTotal: LabelledMetric;
  pluginActionDurationSeconds: LabelledMetric;
}

/** What this node has loaded, as the plugin host reports it. */
export interface LoadedPlugins {
  get(pluginId: string): { state: string; actions: readonly string[] } | undefined;
  ids(): string[];
}

/**
 * Labels of one action call. Plugin ids and action names come from the URL, so labelling them
 * as given would let any operator create a metric series per invented name; only a loaded
 * plugin and an action it exports get their own labels, everything else is counted as `_other`.
 */
export function actionLabels(
  loaded: LoadedPlugins,
  pluginId: string,
  action: string,
): { plugin: string; action: string } {
  const entry = loaded.get(pluginId);
  if (entry?.state === "loaded" && entry.actions.includes(action)) return { plugin: pluginId, action };
  return { plugin: OTHER, action: OTHER };
}

/**
 * Drops the series of plugins no longer loaded (uninstalled, disabled), so the number of series
 * follows what is loaded now, not everything ever loaded since the process started.
 */
export async function pruneActionSeries(metrics: ActionMetrics, loaded: LoadedPlugins): Promise<void> {
  const keep = new Set([...loaded.ids(), OTHER]);
  for (const metric of [metrics.pluginActionCallsTotal, metrics.pluginActionDurationSeconds] as const) {
    const seen = new Map<string, { plugin: string; action: string }>();
    for (const { labels } of (await metric.get()).values) {
      const plugin = String(labels.plugin ?? "");
      const action = String(labels.action ?? "");
      if (!keep.has(plugin)) seen.set(`${plugin}\u0000${action}`, { plugin, action });
    }
    for (const labels of seen.values()) {
      if (metric === metrics.pluginActionCallsTotal) {
        for (const outcome of ["ok", "error", "timeout"])
          metrics.pluginActionCallsTotal.remove({ ...labels, outcome });
      } else {
        metrics.pluginActionDurationSeconds.remove(labels);
      }
    }
  }
}
