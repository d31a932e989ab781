import type { ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { pathToFileURL } from "node:url";
import type { PluginPermissions } from "@arcade/contracts";
import { AppError, type Logger } from "@arcade/core";
import { addressSpaceLimitMb } from "./address-space.js";
import { DEFAULT_FETCH_POLICY, type FetchPolicy, FetchProxy } from "./fetch-proxy.js";
import { forwardLines } from "./forward-lines.js";
import { launchPlan } from "./launch-args.js";
import type { PluginUser } from "./plugin-user.js";
import type { ChildMessage, InitMessage, LogLevel, SerializedError } from "./protocol.js";
import { type SpawnedProcess, spawnPlugin } from "./spawn-plugin.js";

const LOG_LEVELS: ReadonlySet<string> = new Set<LogLevel>(["debug", "info", "warn", "error"]);
/** What V8 prints when a heap or the address space runs out (the process then aborts). */
const OUT_OF_MEMORY = /JavaScript heap out of memory|Fatal process out of memory|Reached heap limit/;

/** What every sandbox of one node shares: how plugin processes are started. */
export interface SandboxRuntime {
  /** The Node binary (the platform's own). */
  execPath: string;
  /** bootstrap.mjs (bootstrapPath()). */
  bootstrap: string;
  /** The OS user plugin processes run as; null keeps the platform's. */
  user: PluginUser | null;
  /** util-linux prlimit, for RLIMIT_AS; null: total memory is not bounded (heap only). */
  prlimitPath: string | null;
  /** Address space of an idle sandbox (measureIdleAddressSpaceMb); null: not bounded. */
  idleAddressSpaceMb: number | null;
  /** The node's environment, where declared variables (permissions.env) are read. */
  hostEnv: Record<string, string | undefined>;
  fetch?: Partial<Omit<FetchPolicy, "hosts">>;
}

export interface SandboxOptions {
  pluginId: string;
  version: string;
  /** Absolute path of the entry module (already checked to lie inside `dir`). */
  entryPath: string;
  /** The plugin's unpacked folder. */
  dir: string;
  /** The plugin's data folder (exists, owned by the plugin user). */
  dataDir: string;
  permissions: PluginPermissions;
  config: Record<string, unknown>;
  requiredActions: readonly string[];
  /** Old-generation heap limit of the process. */
  memoryMb: number;
  /** Bound on spawn + import + init. */
  loadTimeoutMs: number;
  /** Bound on the plugin's cleanup() when stopping. */
  cleanupTimeoutMs: number;
  /** The sandbox adds pluginId and version to every record. */
  logger: Logger;
  runtime: SandboxRuntime;
  /**
   * A warm spare: a process already started with exactly this sandbox's launch plan
   * (Sandbox.planOf); start() sends it the plugin instead of spawning one.
   */
  spare?: SpawnedProcess;
}

export type SandboxState = "idle" | "starting" | "ready" | "stopping" | "stopped" | "crashed";

export interface SandboxCrash {
  pluginId: string;
  version: string;
  reason: string;
  exitCode: number | null;
}

export interface SandboxStats {
  calls: number;
  errors: number;
  lastError: string | null;
  /** Epoch ms when init finished; null before that. */
  startedAt: number | null;
  /** Operations the permission model (or the fetch proxy) refused that surfaced. */
  denials: number;
  lastDenial: string | null;
}

interface PendingCall {
  action: string;
  resolve: (result: unknown) => void;
  reject: (error: AppError) => void;
  timer: NodeJS.Timeout;
}

interface LoadWaiter {
  resolve: () => void;
  reject: (error: AppError) => void;
  timer: NodeJS.Timeout;
}

/**
 * One plugin version in its own process, under Node's permission model, as an
 * unprivileged user, with its heap and its address space bounded. A throw, a hang, an
 * out-of-memory or a process.exit inside the plugin ends only this process: in-flight
 * calls reject with ACTION_FAILED naming the reason, and a `crash` event tells the owner.
 * A hung process is SIGKILLed by its pid, never asked.
 */
export class Sandbox extends EventEmitter<{ crash: [SandboxCrash]; exit: [number]; denial: [string] }> {
  readonly pluginId: string;
  readonly version: string;
  private readonly options: SandboxOptions;
  private readonly logger: Logger;
  private child: ChildProcess | null = null;
  private currentState: SandboxState = "idle";
  private readonly pending = new Map<number, PendingCall>();
  private nextId = 0;
  private actionNames: readonly string[] = [];
  private loadWaiter: LoadWaiter | null = null;
  private cleanupWaiter: ((error?: SerializedError) => void) | null = null;
  /** Why the process ended, when it was not asked to: set by the first thing that notices. */
  private crashReason: string | null = null;
  private stopPromise: Promise<void> | null = null;
  /** Set just before stop() kills the process, so that exit is not taken for a crash. */
  private terminating = false;
  private exitCode: number | null = null;
  private exitWaiters: ((code: number) => void)[] = [];
  private readonly fetcher: FetchProxy;
  private readonly counters: SandboxStats = {
    calls: 0,
    errors: 0,
    lastError: null,
    startedAt: null,
    denials: 0,
    lastDenial: null,
  };

  constructor(options: SandboxOptions) {
    super();
    this.options = options;
    this.pluginId = options.pluginId;
    this.version = options.version;
    this.logger = options.logger.child({ pluginId: options.pluginId, version: options.version });
    this.fetcher = new FetchProxy(
      { ...DEFAULT_FETCH_POLICY, ...options.runtime.fetch, hosts: options.permissions.network.hosts },
      (what) => this.recordDenial(what),
    );
  }

  get state(): SandboxState {
    return this.currentState;
  }

  /** Action names the plugin exports (known once start() resolved). */
  get actions(): readonly string[] {
    return this.actionNames;
  }

  get stats(): Readonly<SandboxStats> {
    return { ...this.counters };
  }

  /** The reason of the crash, once crashed. */
  get failure(): string | null {
    return this.crashReason;
  }

  get memoryMb(): number {
    return this.options.memoryMb;
  }

  /** RLIMIT_AS of the process in MiB; null when total memory is not bounded. */
  get addressSpaceMb(): number | null {
    const idle = this.options.runtime.idleAddressSpaceMb;
    if (idle === null || this.options.runtime.prlimitPath === null) return null;
    return addressSpaceLimitMb(idle, this.options.memoryMb);
  }

  /** True when the process was a warm spare (started ahead), false when it was spawned for this sandbox. */
  get fromSpare(): boolean {
    return this.options.spare !== undefined;
  }

  /** Pid of the plugin's process (what a hung plugin is SIGKILLed by); null before start. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** The launch plan of this sandbox, as a warm spare must have been started with. */
  static planOf(options: Omit<SandboxOptions, "spare">) {
    const idle = options.runtime.idleAddressSpaceMb;
    return launchPlan({
      pluginId: options.pluginId,
      execPath: options.runtime.execPath,
      bootstrap: options.runtime.bootstrap,
      codeDir: options.dir,
      dataDir: options.dataDir,
      permissions: options.permissions,
      memoryMb: options.memoryMb,
      user: options.runtime.user,
      addressSpaceMb: idle === null ? null : addressSpaceLimitMb(idle, options.memoryMb),
      prlimitPath: options.runtime.prlimitPath,
    });
  }

  /** Resolves with the exit code once the process has ended (immediately if it has). */
  exited(): Promise<number> {
    if (this.exitCode !== null || this.child === null) return Promise.resolve(this.exitCode ?? 0);
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  /** Starts the process (or takes the spare), imports the entry and runs init(ctx), bounded by loadTimeoutMs. */
  start(): Promise<void> {
    if (this.currentState !== "idle") {
      return Promise.reject(new AppError("INTERNAL", `sandbox of ${this.pluginId} was already started`));
    }
    this.currentState = "starting";
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.crashReason = `init did not finish within ${this.options.loadTimeoutMs}ms`;
        this.failLoad(this.crashReason);
      }, this.options.loadTimeoutMs);
      this.loadWaiter = { resolve, reject, timer };
      void this.launch();
    });
  }

  private async launch(): Promise<void> {
    let spawned: SpawnedProcess;
    try {
      spawned = this.options.spare ?? spawnPlugin(Sandbox.planOf(this.options));
    } catch (error) {
      this.failLoad(`the plugin process could not start: ${messageOf(error)}`);
      return;
    }
    this.attach(spawned);
  }

  private attach(spawned: SpawnedProcess): void {
    const child = spawned.child;
    this.child = child;
    forwardLines(spawned.stdout, (line) => this.logger.info({ stream: "stdout" }, line));
    forwardLines(spawned.stderr, (line) => {
      if (OUT_OF_MEMORY.test(line)) this.crashReason ??= this.outOfMemory();
      this.logger.warn({ stream: "stderr" }, line);
    });
    child.on("message", (message: ChildMessage) => this.onMessage(message));
    child.on("error", (error) => {
      if (this.currentState === "starting")
        this.failLoad(`the plugin process could not start: ${error.message}`);
    });
    child.on("exit", (code, signal) => this.onExit(code, signal));
    if (spawned.exit) {
      // The spare ended before it was taken.
      this.onExit(spawned.exit.code, spawned.exit.signal);
      return;
    }
    if (spawned.helloed) this.sendInit();
  }

  private sendInit(): void {
    const env: Record<string, string> = {};
    for (const name of this.options.permissions.env) {
      const value = this.options.runtime.hostEnv[name];
      if (value !== undefined) env[name] = value;
    }
    const init: InitMessage = {
      type: "init",
      entryUrl: pathToFileURL(this.options.entryPath).href,
      pluginId: this.pluginId,
      version: this.version,
      config: this.options.config,
      requiredActions: [...this.options.requiredActions],
      env,
    };
    this.post(init);
  }

  /**
   * Calls one action. On timeout the call rejects with ACTION_TIMEOUT and the process
   * is SIGKILLed (a hung action would block it forever) and reported as crashed.
   */
  invoke(action: string, params: unknown, timeoutMs: number): Promise<unknown> {
    const child = this.child;
    if (this.currentState !== "ready" || child === null) {
      return Promise.reject(this.notServing());
    }
    const id = ++this.nextId;
    this.counters.calls += 1;
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => this.onCallTimeout(id, timeoutMs), timeoutMs);
      this.pending.set(id, {
        action,
        resolve,
        reject: (error) => {
          this.counters.errors += 1;
          this.counters.lastError = error.message;
          reject(error);
        },
        timer,
      });
      try {
        child.send({ type: "invoke", id, action, params });
      } catch (error) {
        this.settle(
          id,
          new AppError("PARAMS_INVALID", `params of action "${action}" are not plain data`, {
            detail: messageOf(error),
          }),
        );
      }
    });
  }

  /**
   * Lets in-flight calls finish (up to drainTimeoutMs), runs the plugin's cleanup()
   * (up to cleanupTimeoutMs), then kills the process. Safe to call more than once.
   */
  stop(drainTimeoutMs: number): Promise<void> {
    this.stopPromise ??= this.doStop(drainTimeoutMs);
    return this.stopPromise;
  }

  private async doStop(drainTimeoutMs: number): Promise<void> {
    const child = this.child;
    if (child === null || this.exitCode !== null) {
      this.currentState = this.currentState === "crashed" ? "crashed" : "stopped";
      return;
    }
    if (this.currentState === "starting") {
      this.failLoad("the plugin was stopped while it was loading");
      await this.exited();
      return;
    }
    const wasReady = this.currentState === "ready";
    if (wasReady) this.currentState = "stopping";
    if (wasReady && this.pending.size > 0) {
      const drained = Promise.all([...this.pending.keys()].map((id) => this.settledOrGone(id)));
      await raceWithTimeout(drained, drainTimeoutMs);
    }
    if (wasReady && this.exitCode === null) {
      const cleaned = new Promise<SerializedError | undefined>((resolve) => {
        this.cleanupWaiter = resolve;
      });
      this.post({ type: "cleanup" });
      const outcome = await raceWithTimeout(
        Promise.race([cleaned, this.exited()]),
        this.options.cleanupTimeoutMs,
      );
      if (outcome === TIMED_OUT) {
        this.logger.warn({}, `cleanup() did not finish within ${this.options.cleanupTimeoutMs}ms`);
      } else if (outcome !== undefined && typeof outcome === "object") {
        this.logger.warn({ err: outcome }, `cleanup() failed: ${outcome.message}`);
      }
    }
    if (this.currentState === "stopping") this.currentState = "stopped";
    this.rejectAll(() => new AppError("ACTION_FAILED", "the plugin was stopped before the call finished"));
    this.terminating = true;
    this.kill();
    await this.exited();
  }

  private onMessage(message: ChildMessage): void {
    switch (message.type) {
      case "hello":
        if (this.currentState === "starting") this.sendInit();
        return;
      case "ready":
        if (this.currentState !== "starting" || !this.loadWaiter) return;
        this.actionNames = Object.freeze([...message.actions]);
        this.currentState = "ready";
        this.counters.startedAt = Date.now();
        clearTimeout(this.loadWaiter.timer);
        this.loadWaiter.resolve();
        this.loadWaiter = null;
        return;
      case "load-error":
        this.noteDenial(message.error);
        this.failLoad(describeLoadError(message), message.missing);
        return;
      case "log":
        this.forwardLog(message.level, message.msg, message.fields);
        return;
      case "result":
        if (message.ok) this.settle(message.id, undefined, message.result);
        else {
          this.noteDenial(message.error);
          this.settle(message.id, actionError(this.pending.get(message.id)?.action, message.error));
        }
        return;
      case "cleaned":
        this.cleanupWaiter?.(message.error);
        this.cleanupWaiter = null;
        return;
      case "fetch":
        void this.fetcher.handle(message).then((answer) => this.post(answer));
        return;
      case "fetch-abort":
        this.fetcher.abort(message.id);
        return;
      case "fatal":
        this.noteDenial(message.error);
        this.crashReason ??= message.error.denied
          ? `permission denied: ${message.error.denied} (uncaught: ${message.error.message})`
          : `uncaught exception: ${message.error.message}`;
        return;
    }
  }

  private post(message: object): void {
    try {
      if (this.child?.connected) this.child.send(message);
    } catch (error) {
      this.logger.warn(
        { err: error },
        `a message to the plugin process could not be sent: ${messageOf(error)}`,
      );
    }
  }

  private noteDenial(error: SerializedError): void {
    if (error.denied && !error.counted) this.recordDenial(error.denied);
  }

  private recordDenial(what: string): void {
    this.counters.denials += 1;
    this.counters.lastDenial = what;
    this.logger.warn({ denied: what }, `permission denied: ${what}`);
    this.emit("denial", what);
  }

  private forwardLog(level: string, msg: unknown, fields: unknown): void {
    const at = LOG_LEVELS.has(level) ? (level as LogLevel) : "info";
    const record = fields !== null && typeof fields === "object" ? fields : {};
    this.logger[at](record, typeof msg === "string" ? msg : String(msg));
  }

  private outOfMemory(): string {
    const as = this.addressSpaceMb;
    return `out of memory (heap limit ${this.options.memoryMb}MB${as === null ? "" : `, address space ${as}MB`})`;
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exitCode !== null) return;
    this.exitCode = code ?? 128;
    this.fetcher.abortAll();
    const reason =
      this.crashReason ??
      (signal ? `the plugin process was killed by ${signal}` : `plugin called process.exit(${code})`);
    if (this.currentState === "starting") {
      this.failLoad(reason);
    } else if (this.currentState === "ready") {
      this.markCrashed(reason, code);
    } else if (!this.terminating) {
      // Stopping or already crashed: nothing can answer the calls still waiting.
      this.crashReason ??= reason;
      this.rejectAll(() => new AppError("ACTION_FAILED", `plugin ${this.pluginId} crashed: ${reason}`));
    }
    this.cleanupWaiter?.(undefined);
    this.cleanupWaiter = null;
    for (const resolve of this.exitWaiters.splice(0)) resolve(this.exitCode);
    this.emit("exit", this.exitCode);
  }

  private onCallTimeout(id: number, timeoutMs: number): void {
    const call = this.pending.get(id);
    if (!call) return;
    const reason = `action "${call.action}" did not finish within ${timeoutMs}ms`;
    this.settle(id, new AppError("ACTION_TIMEOUT", reason));
    this.crashReason ??= `${reason}; the process was killed`;
    if (this.currentState === "ready") this.markCrashed(this.crashReason, null);
    this.kill();
  }

  /** SIGKILL by pid: a hung or misbehaving plugin is not asked. */
  private kill(): void {
    if (this.child && this.exitCode === null) this.child.kill("SIGKILL");
  }

  private markCrashed(reason: string, exitCode: number | null): void {
    this.currentState = "crashed";
    this.crashReason ??= reason;
    this.rejectAll(() => new AppError("ACTION_FAILED", `plugin ${this.pluginId} crashed: ${reason}`));
    this.kill();
    this.logger.error({ reason, exitCode }, `plugin crashed: ${reason}`);
    this.emit("crash", { pluginId: this.pluginId, version: this.version, reason, exitCode });
  }

  private failLoad(reason: string, missing?: string[]): void {
    const waiter = this.loadWaiter;
    this.loadWaiter = null;
    this.currentState = "crashed";
    this.crashReason ??= reason;
    this.kill();
    if (!waiter) return;
    clearTimeout(waiter.timer);
    waiter.reject(
      new AppError(
        "PLUGIN_LOAD_FAILED",
        `plugin ${this.pluginId}@${this.version} failed to load: ${reason}`,
        {
          extras: missing ? { missingActions: missing } : {},
        },
      ),
    );
  }

  private settle(id: number, error: AppError | undefined, result?: unknown): void {
    const call = this.pending.get(id);
    if (!call) return;
    this.pending.delete(id);
    clearTimeout(call.timer);
    if (error) call.reject(error);
    else call.resolve(result);
  }

  private rejectAll(makeError: () => AppError): void {
    for (const id of [...this.pending.keys()]) this.settle(id, makeError());
  }

  /** Resolves when the call settles, whichever way. */
  private settledOrGone(id: number): Promise<void> {
    const call = this.pending.get(id);
    if (!call) return Promise.resolve();
    return new Promise((resolve) => {
      const { resolve: done, reject: fail } = call;
      call.resolve = (result) => {
        done(result);
        resolve();
      };
      call.reject = (error) => {
        fail(error);
        resolve();
      };
    });
  }

  private notServing(): AppError {
    if (this.currentState === "crashed") {
      return new AppError(
        "ACTION_FAILED",
        `plugin ${this.pluginId} crashed: ${this.crashReason ?? "unknown"}`,
      );
    }
    return new AppError(
      "PLUGIN_NOT_LOADED",
      `plugin ${this.pluginId}@${this.version} is ${this.currentState}`,
    );
  }
}

const TIMED_OUT = Symbol("timed out");

async function raceWithTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function describeLoadError(message: Extract<ChildMessage, { type: "load-error" }>): string {
  const denied = message.error.denied ? ` (permission denied: ${message.error.denied})` : "";
  switch (message.stage) {
    case "import":
      return `the entry module could not be imported: ${message.error.message}${denied}`;
    case "shape":
      return message.error.message;
    case "init":
      return `init() threw: ${message.error.message}${denied}`;
  }
}

function actionError(action: string | undefined, error: SerializedError): AppError {
  const cause = Object.assign(new Error(error.message), { name: error.name, stack: error.stack });
  const pluginError = { name: error.name, message: error.message, code: error.code ?? null };
  if (error.denied) {
    return new AppError(
      "PERMISSION_DENIED",
      `action "${action ?? "?"}" was denied ${error.denied}: the plugin's manifest does not grant it`,
      {
        cause,
        detail:
          "Declare what the plugin needs in manifest.json `permissions` (see docs/permissions.md) and update it.",
        extras: { denied: error.denied, pluginError },
      },
    );
  }
  return new AppError("ACTION_FAILED", `action "${action ?? "?"}" failed: ${error.message}`, {
    cause,
    extras: { pluginError },
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
