import type { PluginVersionCounters } from "@arcade/contracts";
import { emptyLatency, latencyBucket } from "@arcade/core";

/** How a call that reached a plugin's sandbox ended. */
export type CallOutcome = "ok" | "error" | "not-run";

/** Versions kept per plugin (a node runs one or two at a time): past it, the stalest goes. */
export const MAX_COUNTED_VERSIONS = 8;

/**
 * Error codes that say the sandbox refused the call before the plugin ran it (nothing to judge
 * the version by): the sandbox was not serving any more, or the params could not be sent.
 */
const NOT_RUN = new Set(["PLUGIN_NOT_LOADED", "PARAMS_INVALID"]);

/**
 * Whether a settled call counts, and as what. A call the plugin ran counts, ok or not: an error
 * is any failure once it ran (ACTION_FAILED, ACTION_TIMEOUT, a crash mid-call, which the sandbox
 * answers as ACTION_FAILED, or a PERMISSION_DENIED operation). Refusals before the plugin ran it
 * (see NOT_RUN) count for nothing.
 */
export function callOutcome(error: unknown): CallOutcome {
  if (error === undefined) return "ok";
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && NOT_RUN.has(code) ? "not-run" : "error";
}

/**
 * The counters of one node (PluginVersionCounters per plugin and version) since it started:
 * cumulative, never reset while the node runs, so that a rollout can take the difference
 * between two readings (core's countersDelta). A plugin's counters stay when it is unloaded
 * (a re-install continues them); at most MAX_COUNTED_VERSIONS versions per plugin are kept.
 */
export class PluginCounters {
  private readonly plugins = new Map<
    string,
    Map<string, { counters: PluginVersionCounters; touched: number }>
  >();
  /** Orders the touches, to find the stalest version at the bound. */
  private clock = 0;

  /** A call of `version` ended after `durationMs` (see callOutcome for what counts). */
  callEnded(pluginId: string, version: string, durationMs: number, error?: unknown): void {
    const outcome = callOutcome(error);
    if (outcome === "not-run") return;
    const c = this.counters(pluginId, version);
    c.calls += 1;
    if (outcome === "error") c.errors += 1;
    const bucket = latencyBucket(Number.isFinite(durationMs) ? Math.max(durationMs, 0) : 0);
    c.latency[bucket] = (c.latency[bucket] as number) + 1;
  }

  /** The process of `version` crashed (or was killed) after it had loaded. */
  crashed(pluginId: string, version: string): void {
    this.counters(pluginId, version).crashes += 1;
  }

  /** Loading `version` failed: init threw or timed out, the process would not start (also on a restart). */
  loadFailed(pluginId: string, version: string): void {
    this.counters(pluginId, version).loadFailures += 1;
  }

  /** `version` loaded: it is listed from now on, with zeros until something happens. */
  loaded(pluginId: string, version: string): void {
    this.counters(pluginId, version);
  }

  /** Copies of a plugin's counters, one per version, in the order the versions were first counted. */
  of(pluginId: string): PluginVersionCounters[] {
    return [...(this.plugins.get(pluginId)?.values() ?? [])].map(({ counters: c }) => ({
      ...c,
      latency: [...c.latency],
    }));
  }

  private counters(pluginId: string, version: string): PluginVersionCounters {
    let versions = this.plugins.get(pluginId);
    if (!versions) {
      versions = new Map();
      this.plugins.set(pluginId, versions);
    }
    this.clock += 1;
    const known = versions.get(version);
    if (known) {
      known.touched = this.clock;
      return known.counters;
    }
    const counters = { version, loadFailures: 0, crashes: 0, calls: 0, errors: 0, latency: emptyLatency() };
    versions.set(version, { counters, touched: this.clock });
    if (versions.size > MAX_COUNTED_VERSIONS) {
      // The version nothing happened to for the longest time goes (never the one just added).
      let stalest: string | null = null;
      let stalestAt = Number.POSITIVE_INFINITY;
      for (const [v, { touched }] of versions) {
        if (touched < stalestAt) {
          stalest = v;
          stalestAt = touched;
        }
      }
      if (stalest !== null) versions.delete(stalest);
    }
    return counters;
  }
}
