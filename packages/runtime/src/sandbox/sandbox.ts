import { EventEmitter } from "node:events";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { AppError, type Logger } from "@arcade/core";
import { forwardLines } from "./forward-lines.js";
import type { BootstrapData, LogLevel, SerializedError, WorkerMessage } from "./protocol.js";

const BOOTSTRAP_URL = new URL("./bootstrap.mjs", import.meta.url);
const LOG_LEVELS: ReadonlySet<string> = new Set<LogLevel>(["debug", "info", "warn", "error"]);

export interface SandboxOptions {
  pluginId: string;
  version: string;
  /** Absolute path of the entry module (already checked to lie inside the plugin folder). */
  entryPath: string;
  config: Record<string, unknown>;
  requiredActions: readonly string[];
  /** Old-generation heap limit of the thread. */
  memoryMb: number;
  /** Bound on import + init. */
  loadTimeoutMs: number;
  /** Bound on the plugin's cleanup() when stopping. */
  cleanupTimeoutMs: number;
  /** The sandbox adds pluginId and version to every record. */
  logger: Logger;
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
 * One plugin version in its own worker thread. A throw, a hang, an out-of-memory
 * or a process.exit inside the plugin ends only this thread: in-flight calls
 * reject with ACTION_FAILED naming the reason, and a `crash` event tells the owner.
 */
export class Sandbox extends EventEmitter<{ crash: [SandboxCrash]; exit: [number] }> {
  readonly pluginId: string;
  readonly version: string;
  private readonly options: SandboxOptions;
  private readonly logger: Logger;
  private worker: Worker | null = null;
  private currentState: SandboxState = "idle";
  private readonly pending = new Map<number, PendingCall>();
  private nextId = 0;
  private actionNames: readonly string[] = [];
  private loadWaiter: LoadWaiter | null = null;
  private cleanupWaiter: ((error?: SerializedError) => void) | null = null;
  /** Why the thread ended, when it was not asked to: set by the first thing that notices. */
  private crashReason: string | null = null;
  private stopPromise: Promise<void> | null = null;
  /** Set just before stop() terminates the thread, so that exit is not taken for a crash. */
  private terminating = false;
  private exitCode: number | null = null;
  private exitWaiters: ((code: number) => void)[] = [];
  private readonly counters: SandboxStats = { calls: 0, errors: 0, lastError: null, startedAt: null };

  constructor(options: SandboxOptions) {
    super();
    this.options = options;
    this.pluginId = options.pluginId;
    this.version = options.version;
    this.logger = options.logger.child({ pluginId: options.pluginId, version: options.version });
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

  get threadId(): number | null {
    return this.worker?.threadId ?? null;
  }

  /** Resolves with the exit code once the thread has ended (immediately if it has). */
  exited(): Promise<number> {
    if (this.exitCode !== null || this.worker === null) return Promise.resolve(this.exitCode ?? 0);
    return new Promise((resolve) => this.exitWaiters.push(resolve));
  }

  /** Starts the thread, imports the entry and runs init(ctx), bounded by loadTimeoutMs. */
  start(): Promise<void> {
    if (this.currentState !== "idle") {
      return Promise.reject(new AppError("INTERNAL", `sandbox of ${this.pluginId} was already started`));
    }
    this.currentState = "starting";
    const data: BootstrapData = {
      entryUrl: pathToFileURL(this.options.entryPath).href,
      pluginId: this.pluginId,
      version: this.version,
      config: this.options.config,
      requiredActions: [...this.options.requiredActions],
    };
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.crashReason = `init did not finish within ${this.options.loadTimeoutMs}ms`;
        this.failLoad(this.crashReason);
      }, this.options.loadTimeoutMs);
      this.loadWaiter = { resolve, reject, timer };
      let worker: Worker;
      try {
        worker = new Worker(BOOTSTRAP_URL, {
          workerData: data,
          // No inherited environment: secrets of the node are not the plugin's business.
          env: {},
          argv: [],
          // The parent's flags (test runners, loaders) are not the plugin's either.
          execArgv: [],
          stdout: true,
          stderr: true,
          resourceLimits: { maxOldGenerationSizeMb: this.options.memoryMb },
          name: `plugin ${this.pluginId}@${this.version}`,
        });
      } catch (error) {
        this.failLoad(`the worker thread could not start: ${messageOf(error)}`);
        return;
      }
      this.worker = worker;
      forwardLines(worker.stdout, (line) => this.logger.info({ stream: "stdout" }, line));
      forwardLines(worker.stderr, (line) => this.logger.warn({ stream: "stderr" }, line));
      worker.on("message", (message: WorkerMessage) => this.onMessage(message));
      worker.on("error", (error: Error & { code?: string }) => this.onThreadError(error));
      worker.on("exit", (code) => this.onExit(code));
    });
  }

  /**
   * Calls one action. On timeout the call rejects with ACTION_TIMEOUT and the thread
   * is terminated (a hung action would block it forever) and reported as crashed.
   */
  invoke(action: string, params: unknown, timeoutMs: number): Promise<unknown> {
    const worker = this.worker;
    if (this.currentState !== "ready" || worker === null) {
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
        worker.postMessage({ type: "invoke", id, action, params });
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
   * (up to cleanupTimeoutMs), then terminates the thread. Safe to call more than once.
   */
  stop(drainTimeoutMs: number): Promise<void> {
    this.stopPromise ??= this.doStop(drainTimeoutMs);
    return this.stopPromise;
  }

  private async doStop(drainTimeoutMs: number): Promise<void> {
    const worker = this.worker;
    if (worker === null || this.exitCode !== null) {
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
      worker.postMessage({ type: "cleanup" });
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
    await worker.terminate();
    await this.exited();
  }

  private onMessage(message: WorkerMessage): void {
    switch (message.type) {
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
        this.failLoad(describeLoadError(message), message.missing);
        return;
      case "log":
        this.forwardLog(message.level, message.msg, message.fields);
        return;
      case "result":
        if (message.ok) this.settle(message.id, undefined, message.result);
        else this.settle(message.id, actionError(this.pending.get(message.id)?.action, message.error));
        return;
      case "cleaned":
        this.cleanupWaiter?.(message.error);
        this.cleanupWaiter = null;
        return;
    }
  }

  private forwardLog(level: string, msg: unknown, fields: unknown): void {
    const at = LOG_LEVELS.has(level) ? (level as LogLevel) : "info";
    const record = fields !== null && typeof fields === "object" ? fields : {};
    this.logger[at](record, typeof msg === "string" ? msg : String(msg));
  }

  private onThreadError(error: Error & { code?: string }): void {
    if (this.crashReason !== null) return;
    this.crashReason =
      error.code === "ERR_WORKER_OUT_OF_MEMORY"
        ? `out of memory (heap limit ${this.options.memoryMb}MB)`
        : `uncaught exception: ${error.message}`;
  }

  private onExit(code: number): void {
    this.exitCode = code;
    const reason = this.crashReason ?? `plugin called process.exit(${code})`;
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
    for (const resolve of this.exitWaiters.splice(0)) resolve(code);
    this.emit("exit", code);
  }

  private onCallTimeout(id: number, timeoutMs: number): void {
    const call = this.pending.get(id);
    if (!call) return;
    const reason = `action "${call.action}" did not finish within ${timeoutMs}ms`;
    this.settle(id, new AppError("ACTION_TIMEOUT", reason));
    this.crashReason ??= `${reason}; the thread was terminated`;
    if (this.currentState === "ready") this.markCrashed(this.crashReason, null);
    void this.worker?.terminate();
  }

  private markCrashed(reason: string, exitCode: number | null): void {
    this.currentState = "crashed";
    this.crashReason ??= reason;
    this.rejectAll(() => new AppError("ACTION_FAILED", `plugin ${this.pluginId} crashed: ${reason}`));
    void this.worker?.terminate();
    this.logger.error({ reason, exitCode }, `plugin crashed: ${reason}`);
    this.emit("crash", { pluginId: this.pluginId, version: this.version, reason, exitCode });
  }

  private failLoad(reason: string, missing?: string[]): void {
    const waiter = this.loadWaiter;
    this.loadWaiter = null;
    this.currentState = "crashed";
    this.crashReason ??= reason;
    void this.worker?.terminate();
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

function describeLoadError(message: Extract<WorkerMessage, { type: "load-error" }>): string {
  switch (message.stage) {
    case "import":
      return `the entry module could not be imported: ${message.error.message}`;
    case "shape":
      return message.error.message;
    case "init":
      return `init() threw: ${message.error.message}`;
  }
}

function actionError(action: string | undefined, error: SerializedError): AppError {
  const cause = Object.assign(new Error(error.message), { name: error.name, stack: error.stack });
  return new AppError("ACTION_FAILED", `action "${action ?? "?"}" failed: ${error.message}`, {
    cause,
    extras: { pluginError: { name: error.name, message: error.message, code: error.code ?? null } },
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
