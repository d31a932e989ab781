import { EventEmitter } from "node:events";
import {
  artifactUnavailable,
  type Manifest,
  type NodePluginState,
  type PluginChangedEvent,
} from "@arcade/contracts";
import { type ArtifactRef, type ArtifactSignature, KeyedMutex, type Logger } from "@arcade/core";
import type { PluginHost } from "./plugin-host.js";
import { dependencyOrder } from "./topo-sort.js";
import type { AlongsideRoute } from "./version-route.js";

/**
 * A second version to load next to the one a plugin serves (a rollout's placement: A/B split,
 * two-phase prepare), in its own sandbox, serving `share` percent of the calls.
 */
export interface DesiredAlongside extends AlongsideRoute {
  version: string;
  checksum: string;
  objectKey: string;
  manifest: Manifest;
  signature?: ArtifactSignature | null;
}

/**
 * One plugin this node should run: an enabled plugin as the database has it, at the version
 * its rollout places on this node (the version the node serves).
 */
export interface DesiredPlugin {
  pluginId: string;
  version: string;
  checksum: string;
  /** Object store key of the artifact of this version. */
  objectKey: string;
  manifest: Manifest;
  /** The stored config (merged over manifest.defaultConfig by the host). */
  config: Record<string, unknown> | null;
  /** The publisher's signature stored with this version (null or absent: unsigned). */
  signature?: ArtifactSignature | null;
  /** A second version loaded next to this one (same config); absent or null: none. */
  alongside?: DesiredAlongside | null;
  /** Hold new calls of the plugin (two-phase switch) until a later state lifts it. */
  hold?: boolean;
  /**
   * More versions whose artifacts stay cached here (a rollout's old and new version), so that
   * going back or forth during the rollout is a local switch, not a download.
   */
  keepCached?: string[];
}

/** Where the desired state comes from (the database, through the app). */
export interface DesiredStateSource {
  /** The enabled plugins, each at its current version. */
  desired(): Promise<DesiredPlugin[]>;
  /** The cluster revision: bumped by every committed change. */
  revision(): Promise<number>;
}

/** The ArtifactCache port of @arcade/core, or anything that yields a verified unpacked folder. */
export interface ArtifactProvider {
  ensure(ref: ArtifactRef): Promise<{ dir: string }>;
  /** Drops cached versions of a plugin except `keep` (the ArtifactCache port has it). */
  evict?(pluginId: string, keepVersions?: readonly string[]): Promise<void>;
}

export interface ReconcilerOptions {
  host: PluginHost;
  state: DesiredStateSource;
  artifacts: ArtifactProvider;
  logger: Logger;
  /** Period of the safety-net reconcile. Default 30 s. */
  intervalMs?: number;
  /** Called with the node's state after anything changed (as the `change` event). */
  onChange?: (state: NodeRuntimeState) => void;
  /**
   * Asked before every load, before the artifact is fetched: throwing refuses the load on
   * this node, and the error (its `code` first, when it has one) becomes the plugin's error
   * here, retried on every reconcile. The app checks signatures against this node's keys.
   */
  admit?: (plugin: DesiredPlugin) => void | Promise<void>;
}

export interface NodeRuntimeState {
  appliedRevision: number | null;
  plugins: NodePluginState[];
}

export interface ReconcileReport {
  reason: string;
  /** `all`, or the plugin an event was about. */
  scope: string;
  appliedRevision: number | null;
  loaded: string[];
  unloaded: string[];
  failed: { pluginId: string; error: string }[];
}

const QUEUE = "reconcile";

/**
 * Makes the host match the desired state. Redis events only say "look now": every
 * change is read from the database, a revision gap triggers a full reconcile, and a
 * timer and reconnects do too, so a node never depends on having seen every event.
 * All work runs one task at a time, one plugin at a time, dependencies first.
 */
export class Reconciler extends EventEmitter<{ change: [NodeRuntimeState] }> {
  private readonly host: PluginHost;
  private readonly state: DesiredStateSource;
  private readonly artifacts: ArtifactProvider;
  private readonly logger: Logger;
  private readonly intervalMs: number;
  private readonly admit: ((plugin: DesiredPlugin) => void | Promise<void>) | undefined;
  private readonly queue = new KeyedMutex();
  private applied: number | null = null;
  private pendingFull: Promise<ReconcileReport> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private busy = false;
  private readonly onHostChange = () => {
    // Crashes and restarts happen outside any reconcile: report them too.
    if (!this.busy) this.notify();
  };

  constructor(options: ReconcilerOptions) {
    super();
    this.host = options.host;
    this.state = options.state;
    this.artifacts = options.artifacts;
    this.logger = options.logger.child({ component: "reconciler" });
    this.intervalMs = options.intervalMs ?? 30_000;
    this.admit = options.admit;
    if (options.onChange) this.on("change", options.onChange);
    this.host.on("change", this.onHostChange);
  }

  /** The revision this node has applied: every change up to it is reflected. Null before the first reconcile. */
  get appliedRevision(): number | null {
    return this.applied;
  }

  /** Starts the periodic reconcile and runs the first full one. */
  start(): Promise<ReconcileReport> {
    if (!this.timer) {
      this.timer = setInterval(() => {
        this.reconcileAll("timer").catch((error: unknown) =>
          this.logger.warn({ err: error }, `periodic reconcile failed: ${messageOf(error)}`),
        );
      }, this.intervalMs);
      this.timer.unref();
    }
    return this.reconcileAll("start");
  }

  /** Stops the timer and waits for queued work; the host keeps running. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.host.off("change", this.onHostChange);
    await this.queue.idle();
  }

  /** For the app to call after its Redis connection came back: events may have been lost. */
  onReconnect(): Promise<ReconcileReport> {
    return this.reconcileAll("reconnect");
  }

  /**
   * Converges every plugin. Requests that arrive while one is queued and not yet
   * started share it: it reads the state when it starts, which covers them all.
   */
  reconcileAll(reason: string): Promise<ReconcileReport> {
    if (this.pendingFull) return this.pendingFull;
    const run = this.queue.run(QUEUE, () => {
      if (this.pendingFull === run) this.pendingFull = null;
      return this.tracked(() => this.runFull(reason));
    });
    this.pendingFull = run;
    return run;
  }

  /**
   * Applies one change event. An event is a hint, never a fact: the revision this node reaches
   * is the database's, read before the desired state, so a forged or early event cannot make
   * the node claim a revision it has not loaded: an event newer than the database's revision
   * changes nothing. The next revision converges only the event's plugin (and its dependents);
   * a gap converges everything, up to the revision read.
   */
  applyEvent(event: PluginChangedEvent): Promise<ReconcileReport> {
    return this.queue.run(QUEUE, () =>
      this.tracked(async () => {
        const applied = this.applied;
        if (applied === null) return this.runFull(`event ${event.revision} before the first reconcile`);
        if (event.revision <= applied) {
          return {
            ...emptyReport(`stale event ${event.revision}`, event.pluginId),
            appliedRevision: applied,
          };
        }
        const revision = await this.state.revision();
        if (revision <= applied) {
          this.logger.warn(
            { event, databaseRevision: revision, appliedRevision: applied },
            "event ahead of the database ignored: nothing newer is committed",
          );
          return {
            ...emptyReport(`event ${event.revision} ahead of database revision ${revision}`, event.pluginId),
            appliedRevision: applied,
          };
        }
        if (event.revision > applied + 1) {
          return this.runFull(
            `revision gap: applied ${applied}, event ${event.revision}, database ${revision}`,
          );
        }
        // event.revision is applied + 1 here, and the database has at least that (revision > applied).
        const desired = await this.state.desired();
        const report = await this.converge(desired, event.pluginId, `${event.op} ${event.pluginId}`);
        this.advance(event.revision);
        report.appliedRevision = this.applied;
        return report;
      }),
    );
  }

  private async runFull(reason: string): Promise<ReconcileReport> {
    // Read the revision first: whatever the desired state shows is at least that new.
    const revision = await this.state.revision();
    const desired = await this.state.desired();
    const report = await this.converge(desired, null, reason);
    this.advance(revision);
    report.appliedRevision = this.applied;
    return report;
  }

  private async converge(
    desired: DesiredPlugin[],
    focus: string | null,
    reason: string,
  ): Promise<ReconcileReport> {
    const report = emptyReport(reason, focus ?? "all");
    const wanted = new Map(desired.map((d) => [d.pluginId, d]));
    const loaded = this.host.ids().flatMap((id) => {
      const entry = this.host.get(id);
      return entry ? [{ pluginId: id, manifest: entry.manifest }] : [];
    });
    const scope = focus === null ? null : withDependents(focus, [...desired, ...loaded]);
    const inScope = (pluginId: string) => scope === null || scope.has(pluginId);

    for (const pluginId of this.host.ids()) {
      if (wanted.has(pluginId) || !inScope(pluginId)) continue;
      if (await this.host.unload(pluginId)) {
        report.unloaded.push(pluginId);
        await this.evict(pluginId, []);
      }
    }

    const { order, blocked } = dependencyOrder(
      desired.map((d) => ({
        id: d.pluginId,
        name: d.manifest.name,
        version: d.version,
        dependencies: d.manifest.dependencies ?? [],
        plugin: d,
      })),
    );
    for (const [pluginId, why] of blocked) {
      const plugin = wanted.get(pluginId);
      if (!plugin || !inScope(pluginId)) continue;
      // Nothing serves a blocked plugin here: held calls go on (and fail) rather than wait.
      await this.host.setHold(pluginId, false);
      const current = this.host.get(pluginId);
      if (current?.errorKind === "dependency" && current.error === why && current.version === plugin.version)
        continue;
      await this.host.fail(plugin, why, "dependency");
      report.failed.push({ pluginId, error: why });
    }
    for (const { plugin } of order) {
      if (!inScope(plugin.pluginId)) continue;
      // A hold starts before anything changes, and is lifted only once the versions are in place.
      if (plugin.hold) await this.host.setHold(plugin.pluginId, true);
      if (!this.host.isSettled(plugin)) {
        const error = this.host.promotable(plugin) ? await this.promote(plugin) : await this.apply(plugin);
        if (error) report.failed.push({ pluginId: plugin.pluginId, error });
        else report.loaded.push(plugin.pluginId);
      }
      await this.applyAlongside(plugin, report);
      if (!plugin.hold) await this.host.setHold(plugin.pluginId, false);
    }
    if (report.loaded.length + report.unloaded.length + report.failed.length > 0) {
      this.logger.info(
        { reason, loaded: report.loaded, unloaded: report.unloaded, failed: report.failed },
        "reconciled plugins",
      );
    }
    return report;
  }

  /** Why this node refuses to load a version (the `admit` gate, e.g. its signature), or null. */
  private async refusal(plugin: DesiredPlugin): Promise<string | null> {
    try {
      await this.admit?.(plugin);
      return null;
    } catch (error) {
      return `refused on this node: ${codedMessageOf(error)}`;
    }
  }

  /** Fetches and loads one plugin; returns the error message, or null when it loaded. */
  private async apply(plugin: DesiredPlugin): Promise<string | null> {
    const refused = await this.refusal(plugin);
    if (refused) {
      await this.host.fail(plugin, refused, "artifact");
      return refused;
    }
    let dir: string;
    try {
      ({ dir } = await this.artifacts.ensure({
        pluginId: plugin.pluginId,
        version: plugin.version,
        sha256: plugin.checksum,
        objectKey: plugin.objectKey,
      }));
    } catch (error) {
      const message = artifactUnavailable(`${plugin.pluginId}@${plugin.version}`, messageOf(error));
      await this.host.fail(plugin, message, "artifact");
      return message;
    }
    try {
      await this.host.load({ ...plugin, dir });
    } catch (error) {
      return messageOf(error);
    }
    // The replaced version's sandbox is stopped by now: its cached copy can go.
    await this.evict(plugin.pluginId, versionsOf(plugin));
    return null;
  }

  /**
   * The version this node is to serve already runs alongside (promote, complete, two-phase
   * switch): switch to it without a reload. Returns the error message, or null.
   */
  private async promote(plugin: DesiredPlugin): Promise<string | null> {
    const refused = await this.refusal(plugin);
    if (refused) {
      await this.host.fail(plugin, refused, "artifact");
      return refused;
    }
    if (!(await this.host.promote(plugin.pluginId))) return this.apply(plugin);
    await this.evict(plugin.pluginId, versionsOf(plugin));
    return null;
  }

  /**
   * Loads, re-routes or unloads the version a plugin runs alongside the one it serves. The
   * signature gate and the artifact checks apply to it as to any version loaded.
   */
  private async applyAlongside(plugin: DesiredPlugin, report: ReconcileReport): Promise<void> {
    const want = plugin.alongside ?? null;
    const running = this.host.alongsideOf(plugin.pluginId);
    if (want === null || want.version === plugin.version) {
      if (running && (await this.host.unloadAlongside(plugin.pluginId))) {
        report.unloaded.push(`${plugin.pluginId}@${running.version}`);
        await this.evict(plugin.pluginId, versionsOf(plugin));
      }
      return;
    }
    const route: AlongsideRoute = {
      share: want.share,
      salt: want.salt,
      callerKeyHeader: want.callerKeyHeader,
    };
    const second: DesiredPlugin = {
      pluginId: plugin.pluginId,
      version: want.version,
      checksum: want.checksum,
      objectKey: want.objectKey,
      manifest: want.manifest,
      config: plugin.config,
      signature: want.signature ?? null,
    };
    if (this.host.isAlongsideSettled(second)) {
      this.host.setRoute(plugin.pluginId, route);
      return;
    }
    const label = `${plugin.pluginId}@${want.version}`;
    const refused = await this.refusal(second);
    if (refused) {
      await this.host.failAlongside(second, refused, route);
      report.failed.push({ pluginId: plugin.pluginId, error: `alongside ${want.version}: ${refused}` });
      return;
    }
    let dir: string;
    try {
      ({ dir } = await this.artifacts.ensure({
        pluginId: plugin.pluginId,
        version: want.version,
        sha256: want.checksum,
        objectKey: want.objectKey,
      }));
    } catch (error) {
      const message = artifactUnavailable(label, messageOf(error));
      await this.host.failAlongside(second, message, route);
      report.failed.push({ pluginId: plugin.pluginId, error: `alongside ${want.version}: ${message}` });
      return;
    }
    try {
      await this.host.loadAlongside({ ...second, dir }, route);
    } catch (error) {
      report.failed.push({
        pluginId: plugin.pluginId,
        error: `alongside ${want.version}: ${messageOf(error)}`,
      });
      return;
    }
    report.loaded.push(label);
    await this.evict(plugin.pluginId, versionsOf(plugin));
  }

  /** Cache eviction is housekeeping: a failure is logged, never a reconcile error. */
  private async evict(pluginId: string, keep: readonly string[]): Promise<void> {
    try {
      await this.artifacts.evict?.(pluginId, keep);
    } catch (error) {
      this.logger.warn({ pluginId, err: error }, "evicting cached artifacts failed");
    }
  }

  private async tracked(work: () => Promise<ReconcileReport>): Promise<ReconcileReport> {
    const before = this.applied;
    this.busy = true;
    let report: ReconcileReport;
    try {
      report = await work();
    } finally {
      this.busy = false;
    }
    const changed = report.loaded.length + report.unloaded.length + report.failed.length > 0;
    if (changed || this.applied !== before) this.notify();
    return report;
  }

  private advance(revision: number): void {
    this.applied = this.applied === null ? revision : Math.max(this.applied, revision);
  }

  private notify(): void {
    this.emit("change", { appliedRevision: this.applied, plugins: this.host.snapshot() });
  }
}

/**
 * The plugin an event is about plus everything that depends on it, directly or
 * not, among the desired plugins AND the ones still loaded: a cascading disable
 * turns dependents off in the same change, and they must be unloaded too.
 */
function withDependents(
  pluginId: string,
  candidates: readonly { pluginId: string; manifest: { name: string; dependencies?: { name: string }[] } }[],
): Set<string> {
  const scope = new Set([pluginId]);
  const names = new Set(candidates.filter((c) => c.pluginId === pluginId).map((c) => c.manifest.name));
  let grew = true;
  while (grew) {
    grew = false;
    for (const c of candidates) {
      if (scope.has(c.pluginId)) continue;
      if ((c.manifest.dependencies ?? []).some((dep) => names.has(dep.name))) {
        scope.add(c.pluginId);
        names.add(c.manifest.name);
        grew = true;
      }
    }
  }
  return scope;
}

/** The versions of a plugin whose artifacts the cache keeps: what this node runs, and keepCached. */
function versionsOf(plugin: DesiredPlugin): string[] {
  const versions = [plugin.version, plugin.alongside?.version, ...(plugin.keepCached ?? [])];
  return [...new Set(versions.filter((v): v is string => v !== undefined))];
}

function emptyReport(reason: string, scope: string): ReconcileReport {
  return { reason, scope, appliedRevision: null, loaded: [], unloaded: [], failed: [] };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `CODE: message` for an error with a machine-readable code (an AppError), else the message. */
function codedMessageOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? `${code}: ${messageOf(error)}` : messageOf(error);
}
