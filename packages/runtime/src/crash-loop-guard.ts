import type { NodePluginState, PluginVersionCounters, QuarantineReport } from "@arcade/contracts";
import {
  type CrashLoopPolicy,
  DEFAULT_CRASH_LOOP,
  detectCrashLoop,
  type Logger,
  lastCleanVersion,
  type PluginRepo,
  type VersionRun,
} from "@arcade/core";
import type { DesiredPlugin } from "./reconciler.js";

/** Runs remembered per plugin (enough to find the last clean one after a few failed updates). */
const MAX_RUNS = 8;

export interface CrashLoopGuardOptions {
  /** runtime.crash_loop_max within runtime.crash_loop_window. */
  policy?: CrashLoopPolicy;
  /** The node's read-only view of the database: the fallback version's row (artifact, manifest, signature). */
  versions: Pick<PluginRepo, "getVersion">;
  logger: Logger;
  /** Called after a quarantine: the node should converge the plugin now (to the fallback, or stopped). */
  onQuarantine: (pluginId: string) => void;
  now?: () => number;
}

interface Run extends VersionRun {
  checksum: string;
  /** Crash times of this run (ms), newest last; kept to maxCrashes. */
  crashes: number[];
}

interface Quarantine {
  report: QuarantineReport;
  /** The fallback as the node loads it, read from its version row once; null: stopped. */
  fallback: Omit<DesiredPlugin, "config"> | null;
  /** The fallback's version row was read (or found missing). */
  resolved: boolean;
}

/**
 * Crash-loop quarantine on one node (issue 14): a plugin version that crashes `maxCrashes` times
 * within `windowMs` after it was loaded is taken off this node. The node goes back to the last
 * version that ran cleanly here (core's lastCleanVersion: at least the window, without a loop),
 * or, with none (a first install), stops the plugin. Either way the plugin's state reports the
 * quarantine, and the quarantined version and checksum are not loaded here again until the
 * desired version or checksum changes (or the plugin leaves the desired state: disabled,
 * uninstalled). The node's history is in memory: a restarted node knows no clean version.
 *
 * It watches the host (`observe`: which version each plugin runs, and its crashes), and sits
 * between the desired state and the reconciler (`adjust`).
 */
export class CrashLoopGuard {
  private readonly policy: CrashLoopPolicy;
  private readonly versions: Pick<PluginRepo, "getVersion">;
  private readonly logger: Logger;
  private readonly onQuarantine: (pluginId: string) => void;
  private readonly now: () => number;
  private readonly runs = new Map<string, Run[]>();
  private readonly quarantines = new Map<string, Quarantine>();

  constructor(options: CrashLoopGuardOptions) {
    this.policy = options.policy ?? DEFAULT_CRASH_LOOP;
    this.versions = options.versions;
    this.logger = options.logger.child({ component: "crash-loop" });
    this.onQuarantine = options.onQuarantine;
    this.now = options.now ?? Date.now;
  }

  /**
   * What each plugin runs now (after the host changed): a new version or checksum starts a new
   * run, a plugin gone from the host ends its run. Restarts after a crash are the same run.
   */
  observe(
    running: readonly { pluginId: string; version: string; checksum: string; loaded: boolean }[],
  ): void {
    const at = this.now();
    const present = new Set<string>();
    for (const p of running) {
      present.add(p.pluginId);
      const current = this.current(p.pluginId);
      const same = (v: { version: string; checksum: string }) =>
        v.version === p.version && v.checksum === p.checksum;
      if (current && current.endedAt === null && same(current)) continue;
      // A version that is not up (failed to load, crashed, restarting) starts no run, nor does a
      // quarantined one the host restarted before the node moved off it.
      const q = this.quarantines.get(p.pluginId);
      if (!p.loaded || (q && same(q.report))) continue;
      if (current) current.endedAt = at;
      const runs = this.runs.get(p.pluginId) ?? [];
      runs.push({
        version: p.version,
        checksum: p.checksum,
        startedAt: at,
        endedAt: null,
        crashLoop: false,
        crashes: [],
      });
      this.runs.set(p.pluginId, runs.slice(-MAX_RUNS));
    }
    for (const [pluginId, runs] of this.runs) {
      const last = runs[runs.length - 1];
      if (!present.has(pluginId) && last && last.endedAt === null) last.endedAt = at;
    }
  }

  /**
   * A crash of `version`'s process. When it makes a loop (maxCrashes within windowMs since the
   * version was loaded here), the version is quarantined: true then.
   */
  crashed(pluginId: string, version: string): boolean {
    const run = this.current(pluginId);
    if (!run || run.version !== version || run.endedAt !== null) return false;
    const at = this.now();
    run.crashes = [...run.crashes, at].slice(-Math.max(1, this.policy.maxCrashes));
    const check = detectCrashLoop(run.crashes, run.startedAt, this.policy);
    if (!check.quarantine) return false;
    run.crashLoop = true;
    run.endedAt = at;
    const crashes = check.crashes.map((t) => new Date(t).toISOString());
    const held = this.quarantines.get(pluginId);
    if (held && !sameBuild(held.report, run)) {
      // The fallback loops too: stop the plugin here rather than go back and forth. The
      // quarantine stays on the version the desired state names.
      held.report = { ...held.report, fallbackVersion: null, crashes, at: new Date(at).toISOString() };
      held.fallback = null;
      held.resolved = true;
      this.logger.warn(
        { event: "plugin.quarantined", pluginId, ...held.report, failedFallback: version },
        `plugin ${pluginId}: the fallback ${version} crashed ${crashes.length} times within ${this.policy.windowMs}ms too; the plugin is stopped here`,
      );
      this.onQuarantine(pluginId);
      return true;
    }
    const fallbackVersion = lastCleanVersion(this.runs.get(pluginId) ?? [], version, this.policy.windowMs);
    const report: QuarantineReport = {
      version,
      checksum: run.checksum,
      fallbackVersion,
      crashes,
      at: new Date(at).toISOString(),
    };
    this.quarantines.set(pluginId, { report, fallback: null, resolved: false });
    this.logger.warn(
      { event: "plugin.quarantined", pluginId, ...report },
      fallbackVersion === null
        ? `plugin ${pluginId}@${version} quarantined: ${check.crashes.length} crashes within ${this.policy.windowMs}ms; no version ran cleanly on this node, the plugin is stopped here`
        : `plugin ${pluginId}@${version} quarantined: ${check.crashes.length} crashes within ${this.policy.windowMs}ms; back to ${fallbackVersion}, the last version that ran cleanly on this node`,
    );
    this.onQuarantine(pluginId);
    return true;
  }

  /**
   * The desired state as this node applies it: a plugin whose desired version and checksum are
   * quarantined here runs its fallback (with the plugin's stored config) or nothing. A desired
   * state naming another version or checksum lifts the quarantine.
   */
  async adjust(desired: readonly DesiredPlugin[]): Promise<DesiredPlugin[]> {
    const wanted = new Set(desired.map((d) => d.pluginId));
    for (const [pluginId, q] of this.quarantines) {
      if (!wanted.has(pluginId)) this.lift(pluginId, q, "the plugin is no longer enabled");
    }
    const out: DesiredPlugin[] = [];
    for (const d of desired) {
      const q = this.quarantines.get(d.pluginId);
      if (!q) {
        out.push(d);
        continue;
      }
      if (q.report.version !== d.version || q.report.checksum !== d.checksum) {
        this.lift(d.pluginId, q, `the desired version is now ${d.version}`);
        out.push(d);
        continue;
      }
      const fallback = await this.fallbackOf(d.pluginId, q);
      if (fallback) out.push({ ...fallback, config: d.config });
    }
    return out;
  }

  /**
   * The plugins' states with the quarantines: a plugin back on its fallback carries the report;
   * a stopped one (no longer in the host) is listed in error with it, and with its counters.
   */
  annotate(
    nodeId: string,
    states: readonly NodePluginState[],
    countersOf: (pluginId: string) => PluginVersionCounters[],
  ): NodePluginState[] {
    const out = states.map((s) => {
      const q = this.quarantines.get(s.pluginId);
      return q ? { ...s, quarantined: q.report } : s;
    });
    const listed = new Set(states.map((s) => s.pluginId));
    for (const [pluginId, q] of this.quarantines) {
      if (listed.has(pluginId)) continue;
      out.push({
        nodeId,
        pluginId,
        version: q.report.version,
        checksum: q.report.checksum,
        state: "error",
        error: stoppedMessage(q.report),
        counters: countersOf(pluginId),
        quarantined: q.report,
      });
    }
    return out;
  }

  /** The quarantine of a plugin on this node, if any. */
  quarantineOf(pluginId: string): QuarantineReport | null {
    return this.quarantines.get(pluginId)?.report ?? null;
  }

  private current(pluginId: string): Run | undefined {
    const runs = this.runs.get(pluginId);
    return runs?.[runs.length - 1];
  }

  private async fallbackOf(pluginId: string, q: Quarantine): Promise<Quarantine["fallback"]> {
    if (q.resolved || q.report.fallbackVersion === null) return q.fallback;
    const version = q.report.fallbackVersion;
    const row = await this.versions.getVersion(pluginId, version);
    // A version row that is gone (or a native build adopted without a package) cannot be loaded.
    if (!row || row.legacy || row.objectKey === "") {
      this.logger.warn(
        { event: "plugin.quarantined", pluginId, version: q.report.version, fallbackVersion: version },
        `the fallback ${pluginId}@${version} has no loadable version row; the plugin is stopped on this node`,
      );
      q.report = { ...q.report, fallbackVersion: null };
    } else {
      q.fallback = {
        pluginId,
        version: row.version,
        checksum: row.checksum,
        objectKey: row.objectKey,
        manifest: row.manifest,
        signature:
          row.signature && row.signatureKeyId
            ? { keyId: row.signatureKeyId, signature: row.signature }
            : null,
      };
    }
    q.resolved = true;
    return q.fallback;
  }

  private lift(pluginId: string, q: Quarantine, why: string): void {
    this.quarantines.delete(pluginId);
    this.logger.info(
      { event: "plugin.quarantine-lifted", pluginId, version: q.report.version },
      `quarantine of ${pluginId}@${q.report.version} lifted: ${why}`,
    );
  }
}

function sameBuild(
  a: { version: string; checksum: string },
  b: { version: string; checksum: string },
): boolean {
  return a.version === b.version && a.checksum === b.checksum;
}

function stoppedMessage(report: QuarantineReport): string {
  const crashed = `quarantined: version ${report.version} crashed ${report.crashes.length} times (${report.crashes.join(", ")})`;
  return report.fallbackVersion === null
    ? `${crashed} and no version ran cleanly on this node; stopped until the next change`
    : `${crashed}; going back to ${report.fallbackVersion}`;
}
