import { EventEmitter } from "node:events";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { type Manifest, type NodePluginState, REQUIRED_ACTIONS } from "@arcade/contracts";
import {
  AppError,
  assertConfig,
  assertParams,
  hostPathProblems,
  isAppError,
  KeyedMutex,
  type Logger,
  permissionsOf,
} from "@arcade/core";
import { CallHolds } from "./call-hold.js";
import { InFlightCalls } from "./in-flight.js";
import { PluginCounters } from "./plugin-counters.js";
import {
  type Entry,
  effectiveConfig,
  errorEntry,
  fingerprint,
  loadedEntry,
  publicView,
} from "./plugin-entry.js";
import type {
  InvokeOptions,
  InvokeResult,
  LoadedPlugin,
  PluginErrorKind,
  PluginSpec,
  PluginStatusRow,
} from "./plugin-types.js";
import { entryPath } from "./sandbox/entry-path.js";
import { memoryLimitMb } from "./sandbox/memory-limit.js";
import { accessProblem } from "./sandbox/path-access.js";
import { PluginDataDirs } from "./sandbox/plugin-data-dirs.js";
import { Sandbox, type SandboxCrash, type SandboxOptions, type SandboxRuntime } from "./sandbox/sandbox.js";
import { prepareSandboxRuntime, type RuntimeSetup } from "./sandbox/sandbox-runtime.js";
import { WarmSpare } from "./sandbox/warm-spare.js";
import { type AlongsideRoute, callerKeyOf, pickVersion } from "./version-route.js";

export interface PluginHostOptions {
  /** This node's id, for heartbeats. */
  nodeId: string;
  logger: Logger;
  /** Bound on import + init of one plugin (`[plugin] load_timeout`). Default 10 s. */
  loadTimeoutMs?: number;
  /** Action timeout when the caller names none. Default 30 s. */
  defaultActionTimeoutMs?: number;
  /** How long a replaced or unloaded version may finish its in-flight calls. Default 10 s. */
  drainTimeoutMs?: number;
  /**
   * How long new calls of a held plugin (two-phase freeze) may wait for a reconcile to lift the
   * hold (twice node.convergence_timeout); then the node serves them with the version it serves. Default 10 s.
   */
  holdTimeoutMs?: number;
  /** Bound on a plugin's cleanup(). Default 5 s. */
  cleanupTimeoutMs?: number;
  /** Heap of a plugin whose manifest names no memory. Default 256 MiB. */
  defaultMemoryMb?: number;
  /** No plugin gets more heap than this. Default 1024 MiB. */
  maxMemoryMb?: number;
  /** Crash restarts in a row before giving up until the next change. Default 5. */
  maxRestarts?: number;
  /** First restart delay; doubles with each restart in a row. Default 1 s. */
  restartBackoffMs?: number;
  /** Ceiling of the restart delay. Default 60 s. */
  maxRestartBackoffMs?: number;
  /** A plugin that ran this long before crashing starts counting restarts afresh. Default 60 s. */
  stableAfterMs?: number;
  /** `{data_dir}/plugin-data`: each plugin's own data folder is created below it. */
  pluginDataDir: string;
  /** runtime.allowed_host_paths: a version asking for other host paths does not load here. */
  allowedHostPaths?: readonly string[];
  /** How plugin processes are started (OS user, memory bound, environment). */
  sandbox?: RuntimeSetup;
  /** Keep one plugin process started ahead for the plugin loaded last (runtime.warm_spare). Default false. */
  warmSpare?: boolean;
  /** How long loads must be quiet before the spare is aimed at the plugin loaded last. Default 1 s. */
  spareQuietMs?: number;
  /**
   * The config a plugin gets (ctx.config) from the stored one: config secrets are stored
   * sealed and opened here, on the node that loads the plugin, only for its sandbox. A throw
   * fails the load. Default: the stored config as it is.
   */
  openConfig?: (
    plugin: { pluginId: string; manifest: Manifest },
    config: Record<string, unknown>,
  ) => Record<string, unknown>;
}

type ResolvedOptions = Required<Omit<PluginHostOptions, "sandbox">> & { sandbox: RuntimeSetup };

/** A second version of a plugin loaded next to the one it serves (A/B split, two-phase prepare). */
interface Companion {
  entry: Entry;
  route: AlongsideRoute;
}

/**
 * The plugin manager of one node: each plugin in its own sandbox, hot-swapped one
 * plugin at a time, crashes contained and restarted with backoff.
 * During a rollout a plugin may run a second version "alongside" (its own sandbox) that
 * serves a share of the calls or none (prepared), is promoted to serving without a reload, or
 * unloaded; and its new calls may be held (queued) while the versions switch.
 * Emits `change` whenever the state that heartbeats report changed, `crash` on a crash.
 */
export class PluginHost extends EventEmitter<{ change: []; crash: [SandboxCrash] }> {
  readonly nodeId: string;
  private readonly options: ResolvedOptions;
  private readonly logger: Logger;
  private readonly entries = new Map<string, Entry>();
  /** The second version of a plugin, when one is loaded alongside the entry. */
  private readonly companions = new Map<string, Companion>();
  private readonly holds: CallHolds;
  /** Calls being served per plugin; the last one of a held plugin ending is a change (it is holding now). */
  private readonly inFlight = new InFlightCalls((pluginId) => {
    if (this.holds.holding(pluginId)) this.emit("change");
  });
  private readonly serial = new KeyedMutex();
  private dataDirs: PluginDataDirs;
  /** Refused operations per plugin, across its versions and restarts, while it is loaded here. */
  private readonly denials = new Map<string, { count: number; last: string }>();
  /** Per plugin and version since this node started: calls, errors, latency, crashes, load failures. */
  readonly counters = new PluginCounters();
  private runtime: Promise<SandboxRuntime> | null = null;
  private spare: WarmSpare | null = null;
  private closed = false;

  constructor(options: PluginHostOptions) {
    super();
    this.options = {
      loadTimeoutMs: 10_000,
      defaultActionTimeoutMs: 30_000,
      drainTimeoutMs: 10_000,
      holdTimeoutMs: 10_000,
      cleanupTimeoutMs: 5_000,
      defaultMemoryMb: 256,
      maxMemoryMb: 1024,
      maxRestarts: 5,
      restartBackoffMs: 1_000,
      maxRestartBackoffMs: 60_000,
      stableAfterMs: 60_000,
      allowedHostPaths: [],
      sandbox: {},
      warmSpare: false,
      spareQuietMs: 1_000,
      openConfig: (_plugin, config) => config,
      ...stripUndefined(options),
      nodeId: options.nodeId,
      pluginDataDir: options.pluginDataDir,
      logger: options.logger,
    };
    this.nodeId = options.nodeId;
    this.logger = options.logger.child({ component: "plugin-host" });
    this.dataDirs = new PluginDataDirs(options.pluginDataDir, null);
    this.holds = new CallHolds(this.options.holdTimeoutMs, (pluginId, heldCalls) => {
      this.logger.warn(
        {
          pluginId,
          heldCalls,
          servedBy: this.entries.get(pluginId)?.version ?? null,
          holdTimeoutMs: this.options.holdTimeoutMs,
        },
        "hold not lifted within 2 × node.convergence_timeout: new calls are served again by the version this node serves",
      );
      this.emit("change");
    });
  }

  /**
   * Works out once how this node starts plugin processes: the OS user, the bootstrap, and
   * the address space of an idle sandbox (measured, for RLIMIT_AS). The first load does it
   * anyway; an app calls it at start to fail early with a message that says what to fix.
   */
  prepare(): Promise<SandboxRuntime> {
    if (this.runtime) return this.runtime;
    const runtime = prepareSandboxRuntime(this.options.sandbox, this.logger).then((ready) => {
      this.dataDirs = new PluginDataDirs(this.options.pluginDataDir, ready.user);
      if (this.options.warmSpare && !this.closed && !this.spare) {
        this.spare = new WarmSpare(this.logger, this.options.spareQuietMs);
      }
      return ready;
    });
    this.runtime = runtime;
    // A failed preparation is retried by the next load (the cause may be fixed by then).
    runtime.catch(() => {
      if (this.runtime === runtime) this.runtime = null;
    });
    return runtime;
  }

  /** The data folder of a plugin on this node (whether or not it exists yet). */
  dataDirOf(pluginId: string): string {
    return this.dataDirs.pathOf(pluginId);
  }

  /**
   * Removes the data folders of plugins that no longer exist (uninstalled). Disabled
   * plugins keep theirs: pass every installed plugin's id.
   */
  async sweepData(installed: ReadonlySet<string>): Promise<string[]> {
    const keep = new Set([...installed, ...this.entries.keys()]);
    const removed = await this.dataDirs.sweep(keep);
    if (removed.length > 0) this.logger.info({ removed }, "removed data folders of uninstalled plugins");
    return removed;
  }

  /**
   * Loads a plugin, or hot-swaps it when another version is loaded: the new sandbox
   * starts beside the old one, new calls switch over once its init succeeded, and
   * the old one finishes its in-flight calls before it stops. If the new one fails,
   * the old one keeps serving and `lastSwapError` says why. Rejects with the error.
   */
  load(spec: PluginSpec): Promise<LoadedPlugin> {
    if (this.closed) return Promise.reject(new AppError("INTERNAL", "the plugin host was stopped"));
    return this.serial.run(spec.pluginId, () => this.doLoad(spec));
  }

  /** Stops a plugin and forgets it; its in-flight calls may finish first. False when it was not there. */
  unload(pluginId: string): Promise<boolean> {
    return this.serial.run(pluginId, async () => {
      const entry = this.entries.get(pluginId);
      const companion = this.companions.get(pluginId);
      if (!entry && !companion) return false;
      if (entry) this.cancelRestart(entry);
      if (companion) this.cancelRestart(companion.entry);
      this.entries.delete(pluginId);
      this.companions.delete(pluginId);
      this.denials.delete(pluginId);
      this.spare?.drop(pluginId);
      // Held calls go on, and find the plugin gone (PLUGIN_NOT_LOADED).
      this.holds.lift(pluginId);
      this.emit("change");
      await Promise.all([entry, companion?.entry].map((e) => (e ? this.stopSandbox(e) : undefined)));
      this.logger.info(
        { pluginId, version: entry?.version ?? null, alongside: companion?.entry.version ?? null },
        "plugin unloaded",
      );
      return true;
    });
  }

  /**
   * Records that a plugin cannot be loaded for a reason outside it (`dependency`,
   * `artifact`). A dependency problem stops the running version; an artifact problem
   * leaves a running version serving (as a failed swap).
   */
  fail(
    spec: Omit<PluginSpec, "dir" | "config"> & Partial<PluginSpec>,
    message: string,
    kind: PluginErrorKind,
  ) {
    return this.serial.run(spec.pluginId, async () => {
      const previous = this.entries.get(spec.pluginId);
      if (kind === "artifact" && previous?.state === "loaded") {
        previous.lastSwapError = message;
        this.emit("change");
        return;
      }
      if (previous) this.cancelRestart(previous);
      const entry = errorEntry(spec, message, kind, previous?.stats);
      this.entries.set(spec.pluginId, entry);
      this.logger.warn(
        { pluginId: spec.pluginId, version: spec.version, kind },
        `plugin not loaded: ${message}`,
      );
      this.emit("change");
      if (previous) await this.stopSandbox(previous);
    });
  }

  /**
   * True when `spec` needs no action: it is what is loaded, or it is what last
   * failed to load for a reason of its own (retried only when something changes).
   */
  isSettled(spec: Omit<PluginSpec, "dir">): boolean {
    const entry = this.entries.get(spec.pluginId);
    if (entry === undefined) return false;
    const settled = settledAs(entry, spec);
    // The desired state is back on what runs (a job undid a change no node could load): the
    // failed swap is no longer wanted, and its error no longer describes this node.
    if (settled && entry.lastSwapError !== null && entry.state === "loaded") {
      const wanted = fingerprint(spec.version, spec.checksum, effectiveConfig(spec));
      if (entry.failedFingerprint !== wanted) {
        entry.lastSwapError = null;
        entry.failedFingerprint = null;
        this.emit("change");
      }
    }
    return settled;
  }

  /**
   * Calls one action. PLUGIN_NOT_LOADED when the plugin is absent or in error,
   * ACTION_NOT_FOUND when it has no such action, PARAMS_INVALID (with field errors)
   * when params fail the paramsSchema; then ACTION_FAILED / ACTION_TIMEOUT from the sandbox.
   */
  async invoke(
    pluginId: string,
    action: string,
    params: unknown,
    options: InvokeOptions = {},
  ): Promise<InvokeResult> {
    // A held plugin (two-phase switch) queues the call until a reconcile lifts the hold. From
    // here to the call being counted in flight nothing awaits, so a hold set meanwhile either
    // holds this call or waits for it.
    while (this.holds.holding(pluginId)) await this.holds.pass(pluginId);
    const entry = this.routeCall(pluginId, options);
    if (!entry)
      throw new AppError("PLUGIN_NOT_LOADED", `plugin ${pluginId} is not loaded on node ${this.nodeId}`);
    const sandbox = entry.sandbox;
    if (entry.state !== "loaded" || !sandbox) {
      throw new AppError(
        "PLUGIN_NOT_LOADED",
        `plugin ${pluginId} is not running: ${entry.error ?? "unknown error"}`,
        {
          extras: { pluginError: entry.error },
        },
      );
    }
    if (!sandbox.actions.includes(action)) {
      throw new AppError("ACTION_NOT_FOUND", `plugin ${pluginId} has no action "${action}"`, {
        detail: `Its actions: ${sandbox.actions.join(", ")}.`,
      });
    }
    const input = params === undefined || params === null ? {} : params;
    assertParams(entry.manifest.paramsSchema, action, input);
    const timeoutMs = options.timeoutMs ?? this.options.defaultActionTimeoutMs;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new AppError("VALIDATION_FAILED", "timeoutMs must be a positive number of milliseconds");
    }
    const stats = entry.stats;
    stats.calls += 1;
    const started = performance.now();
    this.inFlight.begin(pluginId);
    try {
      const result = await sandbox.invoke(action, input, timeoutMs);
      const durationMs = performance.now() - started;
      this.counters.callEnded(pluginId, sandbox.version, durationMs);
      return { result, pluginId, version: sandbox.version, durationMs };
    } catch (error) {
      this.counters.callEnded(pluginId, sandbox.version, performance.now() - started, error);
      stats.errors += 1;
      stats.lastError = error instanceof Error ? error.message : String(error);
      throw error;
    } finally {
      this.inFlight.end(pluginId);
    }
  }

  get(pluginId: string): LoadedPlugin | undefined {
    const entry = this.entries.get(pluginId);
    return entry ? publicView(entry) : undefined;
  }

  ids(): string[] {
    return [...this.entries.keys()];
  }

  /** Per-plugin status of this node, for GET /plugins/metrics and Prometheus. */
  list(): PluginStatusRow[] {
    const now = Date.now();
    return [...this.entries.values()].map((entry) => {
      const startedAt = entry.sandbox?.stats.startedAt ?? null;
      return {
        pluginId: entry.pluginId,
        name: entry.manifest.name,
        type: entry.manifest.pluginType,
        version: entry.version,
        path: entry.dir,
        description: entry.manifest.description ?? "",
        state: entry.state,
        error: entry.error,
        lastSwapError: entry.lastSwapError,
        calls: entry.stats.calls,
        errors: entry.stats.errors,
        lastError: entry.stats.lastError,
        restarts: entry.restarts,
        uptimeMs: entry.state === "loaded" && startedAt !== null ? now - startedAt : 0,
        memoryLimitMb: entry.sandbox?.memoryMb ?? null,
        addressSpaceLimitMb: entry.sandbox?.addressSpaceMb ?? null,
        pid: entry.sandbox?.pid ?? null,
        denials: this.denials.get(entry.pluginId)?.count ?? 0,
        lastDenial: this.denials.get(entry.pluginId)?.last ?? null,
      };
    });
  }

  /** What this node has loaded, for heartbeats. */
  snapshot(): NodePluginState[] {
    return [...this.entries.values()].map((entry) => {
      const companion = this.companions.get(entry.pluginId);
      const alongsideError =
        companion?.entry.error == null
          ? null
          : `alongside ${companion.entry.version}: ${companion.entry.error}`;
      const serving = this.servingOf(entry, companion);
      return {
        nodeId: this.nodeId,
        pluginId: entry.pluginId,
        version: entry.version,
        checksum: entry.checksum,
        state: entry.state,
        error: entry.error ?? entry.lastSwapError ?? alongsideError,
        counters: this.counters.of(entry.pluginId),
        ...(serving ? { serving } : {}),
        ...(this.isHolding(entry.pluginId) ? { holding: true } : {}),
      };
    });
  }

  /**
   * The second version loaded next to the one the plugin serves (A/B, two-phase prepare),
   * with its route; undefined when there is none.
   */
  alongsideOf(pluginId: string): (LoadedPlugin & { route: AlongsideRoute }) | undefined {
    const companion = this.companions.get(pluginId);
    return companion ? { ...publicView(companion.entry), route: { ...companion.route } } : undefined;
  }

  /**
   * `held`: new calls of the plugin wait; `holding`: held and no call of it runs any more (what
   * the node reports: a two-phase switch goes ahead only once every node is there); `waiting`:
   * the calls queued now.
   */
  holdOf(pluginId: string): { held: boolean; holding: boolean; waiting: number } {
    return {
      held: this.holds.holding(pluginId),
      holding: this.isHolding(pluginId),
      waiting: this.holds.waiting(pluginId),
    };
  }

  /**
   * Loads a second version next to the one the plugin serves, in its own sandbox (init runs:
   * this is the prepare of a two-phase switch), and routes `route.share` percent of the calls to
   * it. The same version already loaded there only takes the new route. A version that fails
   * to load is recorded (reported as the plugin's error, not retried until something changes)
   * and the plugin keeps serving its version. Rejects with the load error.
   */
  loadAlongside(spec: PluginSpec, route: AlongsideRoute): Promise<LoadedPlugin> {
    if (this.closed) return Promise.reject(new AppError("INTERNAL", "the plugin host was stopped"));
    return this.serial.run(spec.pluginId, () => this.doLoadAlongside(spec, route));
  }

  /**
   * Records that the alongside version cannot be loaded for a reason outside it (refused by
   * the signature gate, artifact unavailable); a loaded alongside version of another build stops.
   */
  failAlongside(
    spec: Omit<PluginSpec, "dir" | "config"> & Partial<PluginSpec>,
    message: string,
    route: AlongsideRoute,
  ): Promise<void> {
    return this.serial.run(spec.pluginId, async () => {
      const previous = this.companions.get(spec.pluginId);
      if (previous) this.cancelRestart(previous.entry);
      this.companions.set(spec.pluginId, { entry: errorEntry(spec, message, "artifact", undefined), route });
      this.logger.warn(
        { pluginId: spec.pluginId, version: spec.version },
        `version not loaded alongside: ${message}`,
      );
      this.emit("change");
      if (previous) await this.stopSandbox(previous.entry);
    });
  }

  /** Like isSettled, for the alongside version (a `load` or `crash` error counts as settled). */
  isAlongsideSettled(spec: Omit<PluginSpec, "dir">): boolean {
    const entry = this.companions.get(spec.pluginId)?.entry;
    return entry !== undefined && settledAs(entry, spec);
  }

  /** Changes how calls split between the two versions (no reload). False when none is alongside. */
  setRoute(pluginId: string, route: AlongsideRoute): boolean {
    const companion = this.companions.get(pluginId);
    if (!companion) return false;
    const same =
      companion.route.share === route.share &&
      companion.route.salt === route.salt &&
      companion.route.callerKeyHeader === route.callerKeyHeader;
    if (!same) {
      companion.route = { ...route };
      this.logger.info({ pluginId, version: companion.entry.version, ...route }, "alongside route changed");
      this.emit("change");
    }
    return true;
  }

  /** Stops the alongside version (a rollout aborted); calls already on it may finish. False when none. */
  unloadAlongside(pluginId: string): Promise<boolean> {
    return this.serial.run(pluginId, async () => {
      const companion = this.companions.get(pluginId);
      if (!companion) return false;
      this.cancelRestart(companion.entry);
      this.companions.delete(pluginId);
      this.emit("change");
      await this.stopSandbox(companion.entry);
      this.logger.info({ pluginId, version: companion.entry.version }, "alongside version unloaded");
      return true;
    });
  }

  /** True when `spec` is what runs alongside, loaded: promote() can serve it without a reload. */
  promotable(spec: Omit<PluginSpec, "dir">): boolean {
    const entry = this.companions.get(spec.pluginId)?.entry;
    return (
      entry !== undefined &&
      entry.state === "loaded" &&
      fingerprint(entry.version, entry.checksum, entry.config) ===
        fingerprint(spec.version, spec.checksum, effectiveConfig(spec))
    );
  }

  /**
   * Makes the alongside version the one the plugin serves: a switch of the routing, not a
   * reload (same process, no second init). The version it replaces finishes its in-flight
   * calls and stops. False when nothing loaded runs alongside.
   */
  promote(pluginId: string): Promise<boolean> {
    return this.serial.run(pluginId, async () => {
      const companion = this.companions.get(pluginId);
      if (companion?.entry.state !== "loaded") return false;
      const previous = this.entries.get(pluginId);
      if (previous) this.cancelRestart(previous);
      this.companions.delete(pluginId);
      this.entries.set(pluginId, companion.entry);
      this.emit("change");
      this.logger.info(
        { pluginId, version: companion.entry.version, replaced: previous?.version ?? null },
        "alongside version promoted: it serves every call now (no reload)",
      );
      if (previous) await this.stopSandbox(previous);
      return true;
    });
  }

  /**
   * Holds new calls of a plugin (on) or lets them go on (off). Setting a hold waits until the
   * calls already running finish, at most drainTimeoutMs; the node reports `holding` only once
   * they have (a later end of the last one is a change). A hold no reconcile lifts ends by
   * itself after holdTimeoutMs.
   */
  async setHold(pluginId: string, on: boolean): Promise<void> {
    if (!on) {
      if (this.holds.lift(pluginId)) {
        this.logger.info({ pluginId }, "hold lifted: held calls go on");
        this.emit("change");
      }
      return;
    }
    if (!this.holds.set(pluginId)) return;
    this.logger.info({ pluginId, running: this.inFlight.count(pluginId) }, "holding new calls");
    this.emit("change");
    if (!(await this.inFlight.drained(pluginId, this.options.drainTimeoutMs))) {
      this.logger.warn(
        { pluginId, running: this.inFlight.count(pluginId) },
        "calls still running after drainTimeoutMs: holding is reported once they end",
      );
    }
  }

  /** Unloads everything (in-flight calls may finish within drainTimeoutMs); no loads after this. */
  async stopAll(): Promise<void> {
    this.closed = true;
    this.holds.liftAll();
    await Promise.all([...new Set([...this.ids(), ...this.companions.keys()])].map((id) => this.unload(id)));
    await this.serial.idle();
    await this.runtime?.catch(() => undefined);
    await this.spare?.close();
  }

  private memoryOf(quantity: string | undefined): number {
    return memoryLimitMb(quantity, {
      defaultMb: this.options.defaultMemoryMb,
      maxMb: this.options.maxMemoryMb,
    });
  }

  private async doLoad(spec: PluginSpec): Promise<LoadedPlugin> {
    const previous = this.entries.get(spec.pluginId);
    const config = effectiveConfig(spec);
    const log = this.logger.child({ pluginId: spec.pluginId, version: spec.version });
    let sandbox: Sandbox;
    try {
      sandbox = await this.createSandbox(spec, config);
      await sandbox.start();
    } catch (error) {
      const failure = asAppError(error);
      this.counters.loadFailed(spec.pluginId, spec.version);
      if (previous?.state === "loaded") {
        previous.lastSwapError = failure.message;
        previous.failedFingerprint = fingerprint(spec.version, spec.checksum, config);
        log.warn(
          { serving: previous.version },
          `hot swap failed, version ${previous.version} keeps serving: ${failure.message}`,
        );
      } else {
        if (previous) this.cancelRestart(previous);
        const entry = errorEntry({ ...spec, config }, failure.message, "load", previous?.stats);
        entry.failedFingerprint = fingerprint(spec.version, spec.checksum, config);
        this.entries.set(spec.pluginId, entry);
        log.error({ code: failure.code }, `plugin failed to load: ${failure.message}`);
      }
      this.emit("change");
      throw failure;
    }
    if (previous) this.cancelRestart(previous);
    this.counters.loaded(spec.pluginId, spec.version);
    const entry = loadedEntry(spec, config, sandbox, previous?.stats);
    this.watch(entry, sandbox);
    // The switch: from here on new calls reach the new sandbox.
    this.entries.set(spec.pluginId, entry);
    this.emit("change");
    log.info(
      { replaced: previous?.version ?? null, actions: sandbox.actions, warmSpare: sandbox.fromSpare },
      "plugin loaded",
    );
    if (previous) await this.stopSandbox(previous);
    return publicView(entry);
  }

  private async createSandbox(spec: PluginSpec, stored: Record<string, unknown>): Promise<Sandbox> {
    let config: Record<string, unknown>;
    try {
      // The entry keeps the stored (sealed) config; only the sandbox gets the opened one.
      config = this.options.openConfig(spec, stored);
      assertConfig(spec.manifest.configSchema, config);
    } catch (error) {
      if (!isAppError(error)) throw error;
      throw new AppError(
        error.code,
        `plugin ${spec.pluginId}@${spec.version} failed to load: ${error.message}`,
        {
          errors: error.errors,
          ...(error.detail === undefined ? {} : { detail: error.detail }),
        },
      );
    }
    const permissions = permissionsOf(spec.manifest);
    const refused = hostPathProblems(permissions.fs, this.options.allowedHostPaths);
    if (refused.length > 0) {
      throw new AppError(
        "PLUGIN_LOAD_FAILED",
        `plugin ${spec.pluginId}@${spec.version} asks for host paths node ${this.nodeId} does not allow: ${refused.map((r) => r.message).join("; ")}`,
        { errors: refused },
      );
    }
    const runtime = await this.prepare();
    if (runtime.user) {
      const problem = await accessProblem(join(spec.dir, spec.manifest.entryPoint), runtime.user, "r");
      if (problem) {
        throw new AppError(
          "PLUGIN_LOAD_FAILED",
          `plugin ${spec.pluginId}@${spec.version} cannot be loaded: ${problem}`,
          {
            detail:
              "Plugin folders (plugin.local_cache_dir and every folder above it) must be readable and searchable by runtime.plugin_uid.",
          },
        );
      }
    }
    const dataDir = await this.dataDirs.ensure(spec.pluginId);
    const memoryMb = this.memoryOf(spec.manifest.resources?.memory);
    const options = {
      pluginId: spec.pluginId,
      version: spec.version,
      entryPath: entryPath(spec.dir, spec.manifest.entryPoint),
      dir: spec.dir,
      dataDir,
      permissions,
      runtime,
      config,
      requiredActions: REQUIRED_ACTIONS[spec.manifest.pluginType] ?? [],
      memoryMb,
      loadTimeoutMs: this.options.loadTimeoutMs,
      cleanupTimeoutMs: this.options.cleanupTimeoutMs,
      logger: this.options.logger,
    } satisfies SandboxOptions;
    const plan = Sandbox.planOf(options);
    const spare = this.spare?.take(plan) ?? null;
    const sandbox = new Sandbox({ ...options, ...(spare ? { spare } : {}) });
    // The next load of this plugin (its next version, a restart) will find a process ready.
    this.spare?.aim(plan, spec.pluginId);
    sandbox.on("denial", (what) => {
      const seen = this.denials.get(spec.pluginId) ?? { count: 0, last: what };
      this.denials.set(spec.pluginId, { count: seen.count + 1, last: what });
    });
    return sandbox;
  }

  private watch(entry: Entry, sandbox: Sandbox): void {
    sandbox.on("crash", (crash) => {
      this.counters.crashed(crash.pluginId, crash.version);
      this.emit("crash", crash);
      // A replaced version that crashes while draining is no longer this plugin's state.
      if (!this.isCurrent(entry) || entry.sandbox !== sandbox) return;
      const ranMs = Date.now() - (sandbox.stats.startedAt ?? Date.now());
      entry.state = "error";
      entry.error = crash.reason;
      entry.errorKind = "crash";
      entry.sandbox = null;
      if (ranMs >= this.options.stableAfterMs) entry.restarts = 0;
      this.scheduleRestart(entry);
      this.emit("change");
    });
  }

  private scheduleRestart(entry: Entry): void {
    if (this.closed) return;
    if (entry.restarts >= this.options.maxRestarts) {
      entry.error = `${entry.error}; gave up after ${entry.restarts} restarts (it is retried on the next change)`;
      this.logger.error({ pluginId: entry.pluginId, version: entry.version }, entry.error);
      return;
    }
    const delay = Math.min(
      this.options.restartBackoffMs * 2 ** entry.restarts,
      this.options.maxRestartBackoffMs,
    );
    entry.restarts += 1;
    this.logger.warn(
      { pluginId: entry.pluginId, version: entry.version, delayMs: delay, attempt: entry.restarts },
      `plugin crashed (${entry.error}); restarting`,
    );
    entry.restartTimer = setTimeout(() => {
      entry.restartTimer = null;
      void this.serial.run(entry.pluginId, () => this.restart(entry));
    }, delay);
    entry.restartTimer.unref();
  }

  private async restart(entry: Entry): Promise<void> {
    if (this.closed || !this.isCurrent(entry) || entry.state !== "error") return;
    let sandbox: Sandbox;
    try {
      sandbox = await this.createSandbox(entry, entry.config);
      await sandbox.start();
    } catch (error) {
      this.counters.loadFailed(entry.pluginId, entry.version);
      entry.error = `restart failed: ${asAppError(error).message}`;
      this.scheduleRestart(entry);
      this.emit("change");
      return;
    }
    if (!this.isCurrent(entry)) {
      await sandbox.stop(0);
      return;
    }
    this.watch(entry, sandbox);
    entry.sandbox = sandbox;
    entry.state = "loaded";
    entry.error = null;
    entry.errorKind = null;
    this.logger.info({ pluginId: entry.pluginId, version: entry.version }, "plugin restarted after a crash");
    this.emit("change");
  }

  /** New calls of the plugin are held and none of its calls runs any more. */
  private isHolding(pluginId: string): boolean {
    return this.holds.holding(pluginId) && this.inFlight.count(pluginId) === 0;
  }

  /** The entry is what the plugin serves or what runs alongside it (not a replaced one). */
  private isCurrent(entry: Entry): boolean {
    return this.entries.get(entry.pluginId) === entry || this.companions.get(entry.pluginId)?.entry === entry;
  }

  /**
   * The entry that serves one call: the plugin's own, or (A/B) the alongside version for its
   * share of the calls, when that one is loaded.
   */
  private routeCall(pluginId: string, options: InvokeOptions): Entry | undefined {
    const entry = this.entries.get(pluginId);
    const companion = this.companions.get(pluginId);
    if (!entry || !companion || companion.entry.state !== "loaded" || entry.state !== "loaded") return entry;
    const version = pickVersion(
      entry.version,
      companion.entry.version,
      companion.route,
      callerKeyOf(options, companion.route),
    );
    return version === companion.entry.version ? companion.entry : entry;
  }

  /** The shares (percent) each loaded version serves, while a second one is alongside. */
  private servingOf(entry: Entry, companion: Companion | undefined): Record<string, number> | null {
    if (companion?.entry.state !== "loaded") return null;
    if (entry.state !== "loaded") return { [companion.entry.version]: 0 };
    const share = Math.min(Math.max(companion.route.share, 0), 100);
    return { [entry.version]: 100 - share, [companion.entry.version]: share };
  }

  private async doLoadAlongside(spec: PluginSpec, route: AlongsideRoute): Promise<LoadedPlugin> {
    const previous = this.companions.get(spec.pluginId);
    const config = effectiveConfig(spec);
    const wanted = fingerprint(spec.version, spec.checksum, config);
    const log = this.logger.child({ pluginId: spec.pluginId, version: spec.version });
    if (previous?.entry.state === "loaded" && settledAs(previous.entry, spec)) {
      this.setRoute(spec.pluginId, route);
      return publicView(previous.entry);
    }
    if (previous) this.cancelRestart(previous.entry);
    let sandbox: Sandbox;
    try {
      sandbox = await this.createSandbox(spec, config);
      await sandbox.start();
    } catch (error) {
      const failure = asAppError(error);
      this.counters.loadFailed(spec.pluginId, spec.version);
      const entry = errorEntry({ ...spec, config }, failure.message, "load", undefined);
      entry.failedFingerprint = wanted;
      this.companions.set(spec.pluginId, { entry, route: { ...route } });
      log.error({ code: failure.code }, `version failed to load alongside: ${failure.message}`);
      this.emit("change");
      if (previous) await this.stopSandbox(previous.entry);
      throw failure;
    }
    this.counters.loaded(spec.pluginId, spec.version);
    const entry = loadedEntry(spec, config, sandbox, undefined);
    this.watch(entry, sandbox);
    this.companions.set(spec.pluginId, { entry, route: { ...route } });
    this.emit("change");
    log.info(
      {
        serving: this.entries.get(spec.pluginId)?.version ?? null,
        share: route.share,
        actions: sandbox.actions,
      },
      "version loaded alongside",
    );
    if (previous) await this.stopSandbox(previous.entry);
    return publicView(entry);
  }

  private cancelRestart(entry: Entry): void {
    if (entry.restartTimer) clearTimeout(entry.restartTimer);
    entry.restartTimer = null;
  }

  private async stopSandbox(entry: Entry): Promise<void> {
    const sandbox = entry.sandbox;
    if (!sandbox) return;
    try {
      await sandbox.stop(this.options.drainTimeoutMs);
    } catch (error) {
      this.logger.warn(
        { pluginId: entry.pluginId, version: entry.version, err: error },
        "stopping a sandbox failed",
      );
    }
  }
}

/** `entry` is `spec` loaded, or what last failed to load for a reason of its own. */
function settledAs(entry: Entry, spec: Omit<PluginSpec, "dir">): boolean {
  const wanted = fingerprint(spec.version, spec.checksum, effectiveConfig(spec));
  if (entry.failedFingerprint === wanted) return true;
  const current = fingerprint(entry.version, entry.checksum, entry.config);
  if (current !== wanted) return false;
  return entry.state === "loaded" || entry.errorKind === "load" || entry.errorKind === "crash";
}

function asAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AppError("PLUGIN_LOAD_FAILED", message, { cause: error });
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
