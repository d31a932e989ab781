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
import { PluginCounters } from "./plugin-counters.js";
import { type Entry, effectiveConfig, errorEntry, fingerprint, publicView } from "./plugin-entry.js";
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

/**
 * The plugin manager of one node: each plugin in its own sandbox, hot-swapped one
 * plugin at a time, crashes contained and restarted with backoff.
 * Emits `change` whenever the state that heartbeats report changed, `crash` on a crash.
 */
export class PluginHost extends EventEmitter<{ change: []; crash: [SandboxCrash] }> {
  readonly nodeId: string;
  private readonly options: ResolvedOptions;
  private readonly logger: Logger;
  private readonly entries = new Map<string, Entry>();
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
      if (!entry) return false;
      this.cancelRestart(entry);
      this.entries.delete(pluginId);
      this.denials.delete(pluginId);
      this.spare?.drop(pluginId);
      this.emit("change");
      await this.stopSandbox(entry);
      this.logger.info({ pluginId, version: entry.version }, "plugin unloaded");
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
    if (!entry) return false;
    const wanted = fingerprint(spec.version, spec.checksum, effectiveConfig(spec));
    if (entry.failedFingerprint === wanted) return true;
    const current = fingerprint(entry.version, entry.checksum, entry.config);
    if (current !== wanted) return false;
    return entry.state === "loaded" || entry.errorKind === "load" || entry.errorKind === "crash";
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
    const entry = this.entries.get(pluginId);
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
    return [...this.entries.values()].map((entry) => ({
      nodeId: this.nodeId,
      pluginId: entry.pluginId,
      version: entry.version,
      checksum: entry.checksum,
      state: entry.state,
      error: entry.error ?? entry.lastSwapError,
      counters: this.counters.of(entry.pluginId),
    }));
  }

  /** Unloads everything (in-flight calls may finish within drainTimeoutMs); no loads after this. */
  async stopAll(): Promise<void> {
    this.closed = true;
    await Promise.all(this.ids().map((id) => this.unload(id)));
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
    const entry: Entry = {
      ...spec,
      config,
      sandbox,
      state: "loaded",
      error: null,
      errorKind: null,
      lastSwapError: null,
      restarts: 0,
      failedFingerprint: null,
      stats: previous?.stats ?? { calls: 0, errors: 0, lastError: null },
      restartTimer: null,
    };
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
      if (this.entries.get(entry.pluginId) !== entry || entry.sandbox !== sandbox) return;
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
    if (this.closed || this.entries.get(entry.pluginId) !== entry || entry.state !== "error") return;
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
    if (this.entries.get(entry.pluginId) !== entry) {
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

function asAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AppError("PLUGIN_LOAD_FAILED", message, { cause: error });
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
